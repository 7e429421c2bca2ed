// `pnpm test:faults` (node scripts/liftoff.mjs test:faults): links, partitions, kill -9 and restarts between
// test hosts in network namespaces. Needs root (ip netns, tc, iptables); installs iproute2 and iptables with
// apt where they are missing (scripts/apt.ts: only they and what they depend on), or says in one line what
// is missing.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { ensureCommands } from '../apt.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const fail = (line: string): never => {
  console.error(`faults tier: ${line}`)
  process.exit(1)
}

if (process.getuid?.() !== 0) fail('needs root: network namespaces, tc and iptables (run it as root, as CI does)')
try {
  ensureCommands('faults', [['ip', 'iproute2'], ['tc', 'iproute2'], ['iptables', 'iptables']], {
    otherwise: 'run the tier in a VM or container where you are root',
    log: line => console.error(`faults tier: ${line}`)
  })
} catch (err) {
  fail((err as Error).message)
}
const probe = spawnSync('ip', ['netns', 'add', 'lf-probe'], { encoding: 'utf8' })
if (probe.status !== 0) fail(`cannot create network namespaces here: ${probe.stderr.trim()}`)
spawnSync('ip', ['netns', 'delete', 'lf-probe'])

const vitest = spawn(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(import.meta.dirname, 'vitest.config.ts'), ...process.argv.slice(2)], { cwd: repoRoot, stdio: 'inherit' })
const [code] = await once(vitest, 'exit') as [number | null]
process.exit(code ?? 1)
