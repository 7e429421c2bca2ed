// The client's harness: the environment (run/config.ts), one line on stderr and exit code 1 for any failure.
import type { runCommand } from '../client.ts'
import { readClientConfig } from './config.ts'
import { oneLine } from './env.ts'

export async function runClient (run: typeof runCommand): Promise<void> {
  const [command, ...args] = process.argv.slice(2)
  try {
    await run(readClientConfig(), command, args)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}
