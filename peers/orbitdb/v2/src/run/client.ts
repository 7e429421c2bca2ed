// The client's harness: `node src/client.ts` reads the environment (src/run/config.ts), runs the client, and
// exits 1 with one `client: …` line on stderr when it fails.
import { readClientConfig } from './config.ts'
import { oneLine } from './env.ts'
import type { runClient } from '../client.ts'

export async function runClientRole (run: typeof runClient): Promise<void> {
  try {
    await run(readClientConfig())
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
  // libp2p 1.x leaves timers behind after stop(); the work is done, so leave now.
  process.exit()
}
