import { defineConfig } from 'vitest/config'

// `pnpm test:interop` (node scripts/liftoff.mjs test:interop): the examples against peers nobody here wrote —
// Kubo and Bacalhau, built from their Go modules into .tools/ by scripts/real-peers.ts first.
export default defineConfig({
  test: {
    // two files at once: the Bacalhau contract waits two minutes on real Bacalhau's log timeouts (60 s each, one
    // after the other), while the Kubo files run beside it; every file starts its own daemons on free ports
    maxWorkers: 2,
    projects: [
      'peers/ipfs/kubo/vitest.config.ts',
      'peers/bacalhau/client/vitest.interop.config.ts',
      'scripts/interop/vitest.config.ts'
    ]
  }
})
