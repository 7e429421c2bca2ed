// How each role runs as a process: one line per step on stdout, a clean stop on SIGINT/SIGTERM (within a
// deadline), and any failure as one line on stderr with exit code 1.
export interface Running {
  stop: () => Promise<void>
  /** Resolves when the role has done its work (the dialer); servers never resolve it. */
  done?: Promise<void>
}

const STOP_DEADLINE_MS = 5000

export function oneLine (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!
}

export async function runRole (name: string, start: () => Promise<Running>): Promise<void> {
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
    running = await start()
    if (running.done !== undefined) {
      await running.done
      stop('', 0)
    }
  } catch (err) {
    console.error(`${name}: ${oneLine(err)}`)
    stop('', 1)
  }
}
