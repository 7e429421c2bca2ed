// The client's harness: the command line (`get <cid> [out]`, `add <path>`), the environment
// (run/config.ts), and one line on stderr with exit code 1 for any failure.
import type { add, get } from '../client.ts'
import { readClientConfig } from './config.ts'
import { oneLine } from './env.ts'

export async function runClient (commands: { get: typeof get, add: typeof add }): Promise<void> {
  const [command, ...args] = process.argv.slice(2)
  try {
    const config = readClientConfig()
    if (command === 'get') await commands.get(config, args[0], args[1])
    else if (command === 'add') await commands.add(config, args[0])
    else throw new Error(`unknown command "${command ?? ''}"; usage: client get <cid> [out] | client add <path>`)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}
