// The server's harness: the environment (run/config.ts), the READY line that tests, compose and the chart
// wait for, signals with a stop deadline, and the exit when the daemon dies on its own.
import type { RunningKubo, startKubo } from '../server.ts'
import { readServerConfig } from './config.ts'
import { oneLine } from './env.ts'

const STOP_DEADLINE_MS = 10_000

/** `node src/server.ts`: signal handlers first (a signal at any moment exits cleanly), then Kubo. */
export async function runServer (start: typeof startKubo): Promise<void> {
  let kubo: RunningKubo | undefined
  let stopping = false
  const shutdown = (signal: string): void => {
    stopping = true
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: Kubo did not stop within ${STOP_DEADLINE_MS} ms`)
      kubo?.daemon.kill('SIGKILL')
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(kubo?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: Error) => {
      console.error(`server: stop failed: ${err.message}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    kubo = await start(readServerConfig())
    console.log(`READY ${JSON.stringify(kubo.ready)}`)
    const network = kubo.ready.privateNetwork ? ' (private network)' : ''
    console.log(`Kubo ${kubo.ready.version} ${kubo.ready.peerId}${network} is listening on:`)
    for (const address of kubo.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`RPC API: ${kubo.ready.api} (KUBO_API=${kubo.ready.api} pnpm start:client)`)
    console.log(`gateway: ${kubo.ready.gateway}/ipfs/<cid>`)
    console.log(`metrics: ${kubo.ready.metrics} (Prometheus)`)
    // A daemon that dies on its own takes the server role with it.
    kubo.daemon.once('close', code => {
      if (stopping) return
      console.error(`server: the Kubo daemon exited (${code})`)
      process.exit(1)
    })
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}
