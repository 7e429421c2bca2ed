// The harness around the client's story (src/client.ts): the configuration from the environment and argv,
// errors as one line on stderr, and the exit code (1 on failure).
import type { ClientOptions } from '../client.ts'
import { readClientConfig } from './config.ts'
import { oneLine } from './env.ts'

/** `node src/client.ts [multiaddr]`: one run, then "done in N ms" or a one-line error and exit code 1. */
export async function runClientMain (runClient: (options: ClientOptions) => Promise<unknown>): Promise<void> {
  const started = performance.now()
  try {
    await runClient(readClientConfig(process.env, process.argv.slice(2)))
    console.log(`done in ${Math.round((performance.now() - started) * 10) / 10} ms`)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}
