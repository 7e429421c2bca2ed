// `pnpm test:routing` (node scripts/liftoff.mjs test:routing): a private DHT of Helia (peers/ipfs/routing)
// and Kubo nodes on test hosts in network namespaces. Needs root (ip netns); installs iproute2 with apt
// where it is missing, or says in one line what is missing. Kubo comes from `build:peers`, run before this.
import { join } from 'node:path'
import { runNamespaceTier } from '../lib/namespace-tier.ts'

await runNamespaceTier(
  'routing',
  [['ip', 'iproute2']],
  'network namespaces',
  join(import.meta.dirname, 'vitest.config.ts')
)
