// A tier whose tests make test hosts in network namespaces (root): checks it runs as root, brings the
// commands it names with apt where they are missing (scripts/lib/apt.ts: only they and what they depend on) or
// says in one line what is missing, checks namespaces can be made, then runs its vitest config.
import { spawnSync } from 'node:child_process'
import { ensureCommands } from './apt.ts'
import { runVitest } from './run-vitest.ts'

export async function runNamespaceTier (
  tier: string,
  commands: Array<[command: string, debianPackage: string]>,
  rootNeededFor: string,
  vitestConfig: string
): Promise<never> {
  const fail = (line: string): never => {
    console.error(`${tier} tier: ${line}`)
    process.exit(1)
  }
  if (process.getuid?.() !== 0) fail(`needs root: ${rootNeededFor} (run it as root, as CI does)`)
  try {
    ensureCommands(tier, commands, {
      otherwise: 'run the tier in a VM or container where you are root',
      log: line => console.error(`${tier} tier: ${line}`)
    })
  } catch (err) {
    fail((err as Error).message)
  }
  const probe = spawnSync('ip', ['netns', 'add', 'lf-probe'], { encoding: 'utf8' })
  if (probe.status !== 0) fail(`cannot create network namespaces here: ${probe.stderr.trim()}`)
  spawnSync('ip', ['netns', 'delete', 'lf-probe'])

  process.exit(await runVitest(vitestConfig))
}
