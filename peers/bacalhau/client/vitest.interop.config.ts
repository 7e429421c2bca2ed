import { defineConfig } from 'vitest/config'

// `pnpm test:interop`: the contract against real Bacalhau (BACALHAU_BINARY and KUBO_BINARY, or the repo's
// .tools/ builds from `node scripts/real-peers.ts`). The repo runs it in its interop tier.
export default defineConfig({
  test: {
    name: 'bacalhau-real',
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000
  }
})
