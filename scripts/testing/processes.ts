// Test helpers shared by every example's spawned-process tests and the compose-as-processes test.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RoleProcess {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  exited: Promise<Exit>
  /** Resolves with the first stdout line that matches; rejects if the process exits first or time runs out. */
  waitForLine: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  /** Sends `signal` and waits for the exit; SIGKILLs and rejects after `timeoutMs`. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<Exit>
}

const running = new Set<RoleProcess>()

export function startProcess (command: string[], options: { cwd: string, env?: Record<string, string>, label?: string, stdin?: 'pipe' | 'ignore', onLine?: (line: string) => void }): RoleProcess {
  const [file, ...args] = command
  if (file === undefined) throw new Error('empty command')
  const child = spawn(file === 'node' ? process.execPath : file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe']
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const lineWaiters = new Set<(line: string) => void>()
  createInterface({ input: child.stdout! }).on('line', line => {
    stdout.push(line)
    options.onLine?.(line)
    for (const waiter of lineWaiters) waiter(line)
  })
  createInterface({ input: child.stderr! }).on('line', line => stderr.push(line))
  const exited = (async (): Promise<Exit> => {
    // 'close' comes after the process exited and its stdout and stderr ended
    const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null]
    return { code, signal }
  })()

  const describe = (): string => `${options.label ?? command.join(' ')}\n--- stdout\n${stdout.join('\n')}\n--- stderr\n${stderr.join('\n')}`

  const role: RoleProcess = {
    child,
    stdout,
    stderr,
    exited,
    waitForLine: async (pattern, timeoutMs = 30_000) => {
      const seen = stdout.find(line => pattern.test(line))
      if (seen !== undefined) return seen
      const { promise, resolve, reject } = Promise.withResolvers<string>()
      const waiter = (line: string): void => { if (pattern.test(line)) resolve(line) }
      lineWaiters.add(waiter)
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms from ${describe()}`)), timeoutMs)
      void exited.then(exit => reject(new Error(`exited (${exit.code ?? exit.signal}) before printing a line matching ${pattern}: ${describe()}`)))
      try {
        return await promise
      } finally {
        clearTimeout(timer)
        lineWaiters.delete(waiter)
      }
    },
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const exit = await exited
      clearTimeout(timer)
      running.delete(role)
      if (exit.signal === 'SIGKILL' && signal !== 'SIGKILL') throw new Error(`did not stop within ${timeoutMs} ms after ${signal}: ${describe()}`)
      return exit
    }
  }
  running.add(role)
  void exited.then(() => running.delete(role))
  return role
}

/** Kills whatever a test left running; call from afterEach so a failed test leaks no process. */
export async function stopAllProcesses (): Promise<void> {
  await stopAll('SIGKILL')
}

/** The same for roles that run a daemon of their own (Kubo, Bacalhau): SIGTERM, so they stop it too. */
export async function terminateAllProcesses (): Promise<void> {
  await stopAll('SIGTERM')
}

async function stopAll (signal: NodeJS.Signals): Promise<void> {
  await Promise.all([...running].map(async role => role.stop(signal)))
}

/** Reads the `READY {json}` line every server prints once it listens. */
export async function waitForReady<T = { peerId: string, multiaddrs: string[] }> (role: RoleProcess, timeoutMs = 30_000): Promise<T> {
  const line = await role.waitForLine(/^READY \{/, timeoutMs)
  return JSON.parse(line.slice('READY '.length)) as T
}

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
export async function unusedPort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Rejects with a clear message when `promise` takes longer than `timeoutMs` (for stop() calls that hang). */
export async function within<T> (promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
