// Test helpers shared by every example's spawned-process tests and the compose-as-processes test.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { expect } from 'vitest'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RoleProcess {
  /** What the process is, in messages (the label given, or the command). */
  label: string
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  exited: Promise<Exit>
  /**
   * Resolves with the first stdout (or stderr) line that matches; rejects if the process exits first or time runs out.
   */
  waitForLine: (pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr') => Promise<string>
  /** Sends `signal` and waits for the exit; SIGKILLs and rejects after `timeoutMs`. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<Exit>
}

const running = new Set<RoleProcess>()

export function startProcess (
  command: string[],
  options: {
    cwd: string
    env?: Record<string, string>
    label?: string
    stdin?: 'pipe' | 'ignore'
    onLine?: (line: string) => void
  }
): RoleProcess {
  const [file, ...args] = command
  if (file === undefined) throw new Error('empty command')
  const child = spawn(file === 'node' ? process.execPath : file, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe']
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const lineWaiters = { stdout: new Set<(line: string) => void>(), stderr: new Set<(line: string) => void>() }
  createInterface({ input: child.stdout! }).on('line', line => {
    stdout.push(line)
    options.onLine?.(line)
    for (const waiter of lineWaiters.stdout) waiter(line)
  })
  createInterface({ input: child.stderr! }).on('line', line => {
    stderr.push(line)
    for (const waiter of lineWaiters.stderr) waiter(line)
  })
  const exited = (async (): Promise<Exit> => {
    // 'close' comes after the process exited and its stdout and stderr ended
    const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null]
    return { code, signal }
  })()

  const label = options.label ?? command.join(' ')
  const describe = (): string => `${label}\n--- stdout\n${stdout.join('\n')}\n--- stderr\n${stderr.join('\n')}`

  const role: RoleProcess = {
    label,
    child,
    stdout,
    stderr,
    exited,
    waitForLine: async (pattern, timeoutMs = 30_000, stream = 'stdout') => {
      const seen = (stream === 'stdout' ? stdout : stderr).find(line => pattern.test(line))
      if (seen !== undefined) return seen
      const { promise, resolve, reject } = Promise.withResolvers<string>()
      const waiter = (line: string): void => { if (pattern.test(line)) resolve(line) }
      lineWaiters[stream].add(waiter)
      const timer = setTimeout(
        () => reject(new Error(`no ${stream} line matching ${pattern} within ${timeoutMs} ms from ${describe()}`)),
        timeoutMs
      )
      // a process that exits (or fails to start) first fails the wait
      exited.then(exit => {
        const how = exit.code ?? exit.signal
        reject(new Error(`exited (${how}) before printing a line matching ${pattern}: ${describe()}`))
      }, reject)
      try {
        return await promise
      } finally {
        clearTimeout(timer)
        lineWaiters[stream].delete(waiter)
      }
    },
    stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      const exit = await exited
      clearTimeout(timer)
      running.delete(role)
      if (exit.signal === 'SIGKILL' && signal !== 'SIGKILL') {
        throw new Error(`did not stop within ${timeoutMs} ms after ${signal}: ${describe()}`)
      }
      return exit
    }
  }
  running.add(role)
  // whoever awaits exited sees a failure to start; here it only leaves the running set
  exited.then(() => running.delete(role), () => running.delete(role))
  return role
}

/** Output as lines or as one text. */
interface Printed {
  label?: string
  stdout: string[] | string
  stderr: string[] | string
}
const linesOf = (output: string[] | string): string[] =>
  typeof output === 'string' ? output.trimEnd().split('\n') : output

/**
 * What a process printed, for an assertion's message: its stderr (the last 100 lines) and the last lines of its stdout.
 */
export function printed (role: Printed, stdoutLines = 20): string {
  return `${role.label ?? 'process'}\n--- stderr\n${linesOf(role.stderr).slice(-100).join('\n')}\n--- stdout (last ` +
    `${stdoutLines} lines)\n${linesOf(role.stdout).slice(-stdoutLines).join('\n')}`
}

/** Waits for the process to end and asserts that it exited with `code`; a failure shows what it printed. */
export async function expectExit (role: RoleProcess, code: number): Promise<Exit> {
  const exit = await role.exited
  expect(exit, printed(role)).toEqual({ code, signal: null })
  return exit
}

/** Runs a command to its end as a user would (a `pnpm dev`, an install) and asserts it exits 0; its stdout lines. */
export async function runToEnd (
  command: string[],
  options: { cwd: string, env?: Record<string, string> }
): Promise<string[]> {
  const role = startProcess(command, { ...options, label: `${command.join(' ')} in ${options.cwd}` })
  await expectExit(role, 0)
  return role.stdout
}

/** Stops the process with `signal` and asserts that it exited with `code` (0: a clean stop). */
export async function expectStop (role: RoleProcess, signal: NodeJS.Signals = 'SIGTERM', code = 0): Promise<void> {
  expect(await role.stop(signal), printed(role)).toEqual({ code, signal: null })
}

/** Asserts that the process is still running (a server that must survive what a test did to it). */
export function expectRunning (role: RoleProcess): void {
  expect({ code: role.child.exitCode, signal: role.child.signalCode }, printed(role)).toEqual({
    code: null,
    signal: null
  })
}

/** The same for a process already run to its end (a result with its exit code and output). */
export function expectExitCode (result: Printed & { code: number | null }, code: number): void {
  expect(result.code, printed(result)).toBe(code)
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
export async function waitForReady<T = { peerId: string, multiaddrs: string[] }> (
  role: RoleProcess,
  timeoutMs = 30_000
): Promise<T> {
  const line = await role.waitForLine(/^READY \{/, timeoutMs)
  return JSON.parse(line.slice('READY '.length)) as T
}

/** The first port of the kernel's ephemeral range: outgoing connections take their local ports from there up. */
function ephemeralPortsStart (): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768
  } catch {
    return 32768
  }
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on, below the ephemeral range: no outgoing connection is
 * given it, so it stays free between a server's kill and its restart, or as an address nobody answers.
 */
export async function unusedPort (): Promise<number> {
  const [low, high] = [10_000, ephemeralPortsStart() - 1]
  for (let tries = 0; tries < 100; tries++) {
    const port = low + Math.floor(Math.random() * (high - low))
    const server = createServer()
    const listening = await new Promise<boolean>(resolve => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!listening) continue
    server.close()
    await once(server, 'close')
    return port
  }
  throw new Error(`no free port between ${low} and ${high}`)
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
