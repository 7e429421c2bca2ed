// The client's harness: the environment (run/config.ts), the commands (run/commands.ts), one line on stderr
// and exit code 1 for any failure.
import { readClientConfig } from './config.ts'
import { runCommand, type Demo } from './commands.ts'
import { oneLine } from './env.ts'

export async function runClient (demo: Demo): Promise<void> {
  const [command, ...args] = process.argv.slice(2)
  try {
    await runCommand(readClientConfig(), command, args, demo)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}
