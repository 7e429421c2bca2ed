import { defineConfig } from 'vitest/config'

// `pnpm test` at the root: every example's own vitest project plus the repo checks in scripts/. Kubo's
// example needs a Kubo binary built with Go, so it runs in the interop tier (vitest.interop.config.ts).
export default defineConfig({
  test: {
    projects: ['peers/*/*/vitest.config.ts', '!peers/ipfs/kubo/vitest.config.ts', 'scripts/vitest.config.ts']
  }
})
