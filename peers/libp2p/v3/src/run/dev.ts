// `pnpm dev`: the whole example on loopback. Starts the server as its own process (random free ports,
// a throw-away data dir), waits for its READY line, runs one client over TCP and one over WebSockets,
// then stops the server with SIGTERM. Every line is prefixed with the role that printed it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runToEnd, startReady, stopRoles } from './roles.ts'

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-libp2p-v3-'))
const started = performance.now()
console.log('dev: starting the server (TCP and WebSockets on 127.0.0.1, random ports)')
let failed = false
try {
  const { multiaddrs } = await startReady<{ multiaddrs: string[] }>('server', ['src/server.ts'], {
    DATA_DIR: dataDir,
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'
  })
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
  // a server that does not exit 0 on SIGTERM fails the run: a clean stop is part of the example
  if (!await stopRoles()) {
    console.error('dev: a role did not exit 0 when stopped')
    failed = true
  }
  await rm(dataDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
