// `pnpm dev`: the whole example on loopback, in a throw-away directory. Starts the server with alice as a
// writer; alice puts documents and exits once the server holds them; bob, started after alice is gone,
// reads them all from the server; eve, who is not a writer, is refused. Lines are prefixed with their role.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentityKey } from '../orbitdb.ts'
import { exitCode, startReady, startRole, stopRoles } from './roles.ts'
import type { Ready } from './server.ts'

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-orbitdb-v2-dev-'))
const alice = await generateIdentityKey()
const started = performance.now()
let failed = false
try {
  const { multiaddrs, address } = await startReady<Ready>('server', ['src/server.ts'], {
    DATA_DIR: join(workDir, 'server'),
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
    WRITERS: alice.identityId
  })
  const client = async (name: string, env: Record<string, string>): Promise<number> => exitCode(startRole(
    name, ['src/client.ts'],
    { CLIENT_NAME: name, DATA_DIR: join(workDir, name), SERVER_ADDR: multiaddrs[0]!, DB_ADDRESS: address, ...env }
  ))
  if (await client('alice', { IDENTITY_KEY: alice.key, WRITES: '5' }) !== 0) throw new Error('alice failed')
  if (await client('bob', { WRITES: '0' }) !== 0) throw new Error('bob failed')
  if (await client('eve', { WRITES: '1' }) === 0) throw new Error('eve wrote without being a writer')
  console.log('dev        │ eve was refused, as she is not in the access controller')
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  if (!await stopRoles()) failed = true // the server exits 0 on SIGTERM
  await rm(workDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
