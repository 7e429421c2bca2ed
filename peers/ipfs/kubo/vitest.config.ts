import { defineConfig } from 'vitest/config'

// These tests run a real Kubo daemon: the binary from the repo's .tools/ (node scripts/real-peers.ts kubo)
// or KUBO_BINARY. The repo runs them in its interop tier, not in the main `pnpm test`.
export default defineConfig({
  test: {
    name: 'ipfs-kubo',
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000
  }
})
