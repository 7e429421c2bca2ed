// `pnpm dev:web`: the always-on peer (free ports on 127.0.0.1) with two new writer identities, and the
// notes app served by Vite. Prints three URLs: alice and bob (both allowed to write) and mallory (not in
// the access controller). Ctrl-C stops the server and Vite; keep the pages open and start it again to
// watch them catch up.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createServer } from 'vite'
import { generateIdentityKey } from '../orbitdb.ts'
import type { Ready } from './server.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const [alice, bob, mallory] = await Promise.all([generateIdentityKey(), generateIdentityKey(), generateIdentityKey()])
const server = spawn(process.execPath, [join(import.meta.dirname, '..', 'server.ts')], {
  env: {
    ...process.env,
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0/ws',
    WRITERS: `${alice!.identityId},${bob!.identityId}`,
    DATA_DIR: join(exampleDir, '.data', 'dev-web')
  },
  stdio: ['ignore', 'pipe', 'inherit']
})
const ready = await new Promise<Ready>((resolve, reject) => {
  createInterface({ input: server.stdout }).on('line', line => {
    console.log(`server │ ${line}`)
    if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as Ready)
  })
  server.once('exit', code => reject(new Error(`the server exited (${code}) before it was ready`)))
})
const vite = await createServer({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web') })
await vite.listen()
for (const [name, identity] of [['alice', alice!], ['bob', bob!], ['mallory', mallory!]] as const) {
  const query = new URLSearchParams({ server: ready.multiaddrs[0]!, db: ready.address, name, identity: identity.key })
  console.log(`page   │ ${name.padEnd(7)} ${vite.resolvedUrls!.local[0]!}?${query}`)
}
const stop = (): void => {
  server.kill('SIGTERM')
  vite.close().then(() => process.exit(0), () => process.exit(1))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
