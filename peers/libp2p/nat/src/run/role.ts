// How each role runs as a process: its settings from the environment (config.ts), the READY {json} line the
// tests and the dev runner wait for, one line per step on stdout, a clean stop on SIGINT/SIGTERM (within a
// deadline), and any failure as one line on stderr with exit code 1.
import { dialerConfig, listenerConfig, relayConfig } from './config.ts'
import { oneLine, type Env } from './env.ts'

export interface Running {
  stop: () => Promise<void>
  /** What the READY line says (the servers). */
  ready?: unknown
  /** Resolves when the role has done its work (the dialer); servers never resolve it. */
  done?: Promise<void>
}

const configs = { relay: relayConfig, listener: listenerConfig, dialer: dialerConfig }
type Role = keyof typeof configs

const STOP_DEADLINE_MS = 5000

export async function runRole<Name extends Role> (
  name: Name, start: (config: ReturnType<typeof configs[Name]>, log: (line: string) => void) => Promise<Running>
): Promise<void> {
  let running: Running | undefined
  const stop = (reason: string, code: number): void => {
    if (reason !== '') console.log(reason)
    const timer = setTimeout(() => {
      console.error(`${name}: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(running?.stop()).then(() => {
      clearTimeout(timer)
      process.exit(code)
    }, (err: unknown) => {
      console.error(`${name}: stop failed: ${oneLine(err)}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', () => stop('SIGINT: stopping', 0))
  process.once('SIGTERM', () => stop('SIGTERM: stopping', 0))
  try {
    const read = configs[name] as (env: Env) => ReturnType<typeof configs[Name]>
    running = await start(read(process.env), console.log)
    if (running.ready !== undefined) console.log(`READY ${JSON.stringify(running.ready)}`)
    if (running.done !== undefined) {
      await running.done
      stop('', 0)
    }
  } catch (err) {
    console.error(`${name}: ${oneLine(err)}`)
    stop('', 1)
  }
}
