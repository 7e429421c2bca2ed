import { defineConfig } from 'vitest/config'

// `pnpm test:interop` (node scripts/liftoff.mjs test:interop): the examples against peers nobody here wrote —
// Kubo and Bacalhau, built from their Go modules into .tools/ by scripts/real-peers.ts first.
export default defineConfig({
  test: {
    projects: [
      'peers/ipfs/kubo/vitest.config.ts',
      'peers/bacalhau/client/vitest.interop.config.ts',
      'scripts/interop/vitest.config.ts'
    ]
  }
})
