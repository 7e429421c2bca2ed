// `pnpm test:faults` (node scripts/liftoff.mjs test:faults): links, partitions, kill -9 and restarts between
// test hosts in network namespaces. Needs root (ip netns, tc, iptables); installs iproute2 and iptables with
// apt where they are missing (scripts/lib/apt.ts: only they and what they depend on), or says in one line what
// is missing.
import { join } from 'node:path'
import { runNamespaceTier } from '../lib/namespace-tier.ts'

await runNamespaceTier(
  'faults',
  [
    ['ip', 'iproute2'],
    ['tc', 'iproute2'],
    ['iptables', 'iptables']
  ],
  'network namespaces, tc and iptables',
  join(import.meta.dirname, 'vitest.config.ts')
)
