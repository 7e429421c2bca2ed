// Installing Debian packages for a test tier: only as root, only where apt-get exists. One `apt-get update`
// per process, then a non-interactive install; a failure is one line naming the command.
import { spawnSync } from 'node:child_process'

let updated = false

/** True when this process may install packages with apt (root, apt-get on PATH). */
export function canAptInstall (): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
}

/** apt-get install -y the packages, from `suite` (e.g. trixie) when given. */
export function aptInstall (packages: string[], options: { suite?: string } = {}): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const steps = [
    ...(updated ? [] : [['update', '-q']]),
    ['install', '-y', '-q', ...(options.suite === undefined ? [] : ['-t', options.suite]), ...packages]
  ]
  for (const args of steps) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-2).join(' | ')}`)
  }
  updated = true
}
