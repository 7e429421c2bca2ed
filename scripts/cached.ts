// `node scripts/cached.ts main | tier:<name>`: the main suite or a tier through Turborepo, which skips a task
// whose inputs (turbo.json: the files each task reads, the lockfile, the test helpers, .ci/run) and machine
// (LIFTOFF_MACHINE) hash to the key of a run that passed here before, and says so in one line with the key.
// Results stay in ~/.cache/ipfs-liftoff/results (LIFTOFF_CACHE_DIR), outside any clone; LIFTOFF_NO_CACHE=1 runs
// everything. Turbo's telemetry and update check are off: nothing leaves the machine.
//   --will-run <task>…   exit 0 when any of the tasks would run, 3 when a passed run of each one's key is kept
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { arch, homedir, hostname, release } from 'node:os'
import { join } from 'node:path'

const repoRoot = join(import.meta.dirname, '..')
const turbo = join(repoRoot, 'node_modules', '.bin', 'turbo')

/** Kubo's example tests need the Kubo binary: they run in the interop tier (vitest.interop.config.ts). */
const NEEDS_KUBO = '@ipfs-liftoff/ipfs-kubo'

/** What `main` runs: the fast checks first (typecheck, lint, the repo checks), then every example's tests. */
export const MAIN_SUITE: string[][] = [
  ['build', 'typecheck', 'typecheck:scripts', 'lint', 'check'],
  ['test', 'check:new', 'check:bench', `--filter=!${NEEDS_KUBO}`]
]

const readOr = (path: string): string => existsSync(path) ? readFileSync(path, 'utf8') : ''

/** The Go toolchain the tiers build Kubo, Bacalhau and Kubernetes with, or '' where there is none. */
function goVersion (): string {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : ''
}

/**
 * This machine as the keys see it: its identity, kernel, system, Node and Go (a result from elsewhere never
 * counts). Not the packages the tiers install themselves: a first run would change the key it is kept under.
 */
export function machineFingerprint (): string {
  const parts = [readOr('/etc/machine-id'), hostname(), release(), arch(), readOr('/etc/os-release'), process.version]
  return createHash('sha256').update([...parts, goVersion()].join('\n')).digest('hex').slice(0, 16)
}

export const cacheDir = (): string => process.env.LIFTOFF_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ipfs-liftoff', 'results')

/** The environment turbo runs in: no telemetry, no update check, the machine's fingerprint for the keys. */
export function turboEnv (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
    LIFTOFF_MACHINE: env.LIFTOFF_MACHINE ?? machineFingerprint()
  }
}

/** Each task's key and whether a passed run of it is kept, as `turbo run --dry=json` says. */
export function plannedTasks (
  args: string[], cwd = repoRoot, env = turboEnv()
): Array<{ taskId: string, hash: string, cached: boolean }> {
  const result = spawnSync(turbo, ['run', ...args, '--dry=json', `--cache-dir=${cacheDir()}`], {
    cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024
  })
  if (result.status !== 0) throw new Error(`turbo run ${args.join(' ')} --dry=json: ${result.stderr.trim()}`)
  const plan = JSON.parse(result.stdout) as {
    tasks: Array<{ taskId: string, hash: string, cache: { status: string } }>
  }
  return plan.tasks.map(task => ({ taskId: task.taskId, hash: task.hash, cached: task.cache.status === 'HIT' }))
}

function run (args: string[]): number {
  const force = ['1', 'true', 'yes'].includes(process.env.LIFTOFF_NO_CACHE?.toLowerCase() ?? '') ? ['--force'] : []
  const result = spawnSync(turbo, [
    'run', ...args, `--cache-dir=${cacheDir()}`, '--output-logs=new-only', '--concurrency=2', ...force
  ], { cwd: repoRoot, env: turboEnv(), stdio: 'inherit' })
  if (result.error !== undefined) {
    console.error(`cached: could not run turbo: ${result.error.message}`)
    return 1
  }
  return result.status ?? 1
}

if (import.meta.main) {
  const [first, ...rest] = process.argv.slice(2)
  if (first === '--will-run' && rest.length > 0) {
    process.exit(plannedTasks(rest).every(task => task.cached) ? 3 : 0)
  }
  const invocations = first === 'main' ? MAIN_SUITE : first?.startsWith('tier:') === true ? [[first]] : undefined
  if (invocations === undefined || rest.length > 0) {
    console.error('cached: usage: node scripts/cached.ts main | tier:<name> | --will-run <task>…')
    process.exit(2)
  }
  console.log(`cached: a task whose key matches a passed run on this machine (${turboEnv().LIFTOFF_MACHINE}) is ` +
    `skipped ("cache hit" and its key); results in ${cacheDir()}; LIFTOFF_NO_CACHE=1 runs everything`)
  for (const args of invocations) {
    const status = run(args)
    if (status !== 0) process.exit(status)
  }
}
