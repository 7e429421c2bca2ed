// `node src/client.ts`: the client role from the environment (src/run/config.ts); any failure is one line on
// stderr and exit code 1.
import { readClientConfig } from './config.ts'
import type { runClient } from '../client.ts'

export async function runClientRole (run: typeof runClient): Promise<void> {
  try {
    await run(readClientConfig())
  } catch (err) {
    console.error(`client: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
