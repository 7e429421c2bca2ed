// What the k8s tier's tests get from scripts/k8s/tier.ts (the cluster it made, the tools it built), and the
// commands they run against that cluster.
import { spawn } from 'node:child_process'

export interface TierSetup {
  kubeconfig: string
  kubectl: string
  helm: string
  nodes: string[]
  workers: string[]
  kuboImage: string
  bacalhauImage: string
  prometheusImage: string
}

export function tierSetup (): TierSetup {
  const text = process.env.LIFTOFF_K8S
  if (text === undefined) {
    throw new Error(
      'LIFTOFF_K8S is not set: run these tests with `node scripts/liftoff.mjs test:k8s`, which makes the cluster'
    )
  }
  return JSON.parse(text) as TierSetup
}

export interface Run { code: number | null, stdout: string, stderr: string, bytes: Buffer }

/** How long a command may run: its own `--timeout` (kubectl's and helm's waits) and a minute to report what it
 * saw, else two minutes. */
function allowedMs (args: string[]): number {
  const flag = args.findIndex(arg => arg === '--timeout' || arg.startsWith('--timeout='))
  const duration = flag === -1 ? undefined : (args[flag]!.split('=')[1] ?? args[flag + 1])
  if (duration === undefined) return 120_000
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 }
  let ms = 0
  for (const [, amount, unit] of duration.matchAll(/(\d+)([hms])/g)) ms += Number(amount) * unitMs[unit!]!
  return ms + 60_000
}

/** Runs a command to its end (killed after `timeoutMs`, by default what `allowedMs` gives); never throws. */
export async function runCommand (
  command: string,
  args: string[],
  options: { input?: string, timeoutMs?: number, env?: Record<string, string> } = {}
): Promise<Run> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  const chunks: Buffer[] = []
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? allowedMs(args))
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  const bytes = Buffer.concat(chunks)
  return { code, stdout: bytes.toString('utf8'), stderr, bytes }
}

/** Runs a command that must succeed: its stdout, or an error with what it printed. */
export async function mustRun (
  command: string,
  args: string[],
  options: { input?: string, timeoutMs?: number, env?: Record<string, string> } = {}
): Promise<string> {
  const result = await runCommand(command, args, options)
  if (result.code !== 0) {
    throw new Error(
      `${command.split('/').at(-1)} ${args.join(' ')} exited ${result.code}: ` +
        `${(result.stderr.trim() || result.stdout.trim()).split('\n').slice(-6).join(' | ')}`
    )
  }
  return result.stdout
}

/** Polls `check` until it gives a value (for states that have no event to wait on, e.g. a Prometheus scrape). */
export async function eventually<T> (
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000
): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > giveUpAt) {
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s${last === undefined ? '' : ` (last: ${(last as Error).message})`}`
      )
    }
    await new Promise(resolve => setTimeout(resolve, 1000))
  }
}
