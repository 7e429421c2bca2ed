// The client's harness: configuration from the environment and argv (config.ts), a one-line error and exit
// code 1 on failure, and an explicit exit: libp2p 1.x leaves timers behind after stop() that would keep
// Node running for seconds after the work is done.
import type { runClient } from '../client.ts'
import { readClientConfig } from './config.ts'
import { oneLine } from './env.ts'

/** `node src/client.ts [multiaddr]`: runs the client once and exits 0 when it succeeded, 1 when it failed. */
export async function clientMain (run: typeof runClient): Promise<void> {
  const started = performance.now()
  try {
    await run(readClientConfig(process.env, process.argv.slice(2)))
    console.log(`done in ${Math.round((performance.now() - started) * 10) / 10} ms`)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
  process.exit()
}
