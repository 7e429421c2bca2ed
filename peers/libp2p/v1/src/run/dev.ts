// `pnpm dev`: the whole example on loopback. Starts the server as its own process (random free ports,
// a throw-away data dir), waits for its READY line, runs one client over TCP and one over WebSockets,
// then stops the server with SIGTERM. Every line is prefixed with the role that printed it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exitCode, runToEnd, startRole } from './roles.ts'

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-libp2p-v1-'))
const started = performance.now()
let failed = false
const { promise: ready, resolve: onReady } = Promise.withResolvers<{ multiaddrs: string[] }>()
const env = { DATA_DIR: dataDir, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' }
const server = startRole('server', ['src/server.ts'], env, line => {
  if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as { multiaddrs: string[] })
})
try {
  const { multiaddrs } = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  for (const transport of ['tcp', 'ws'] as const) {
    const address = multiaddrs.find(candidate => candidate.includes('/ws/') === (transport === 'ws'))
    if (address === undefined) throw new Error(`server has no ${transport} address`)
    const name = `client-${transport}`
    await runToEnd(name, ['src/client.ts'], { SERVER_ADDR: address, CLIENT_NAME: name })
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  server.kill('SIGTERM')
  if (await exitCode(server) !== 0) failed = true // a server that cannot stop cleanly fails the run
  await rm(dataDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
