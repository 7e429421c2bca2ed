import { defineConfig } from 'vitest/config'

// `pnpm test` at the root: every example's own vitest project plus the repo checks in scripts/. Kubo's
// example needs a Kubo binary built with Go, so it runs in the interop tier (vitest.interop.config.ts).
export default defineConfig({
  test: {
    // two test files at a time, whatever the machine: most tests wait on processes and sockets, and vitest's
    // default (cores − 1) runs one file at a time on a 2-core machine, 23 minutes end to end
    maxWorkers: 2,
    projects: ['peers/*/*/vitest.config.ts', '!peers/ipfs/kubo/vitest.config.ts', 'scripts/vitest.config.ts']
  }
})
