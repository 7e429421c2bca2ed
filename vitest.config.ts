import { defineConfig } from 'vitest/config'

// `pnpm test` at the root: every example's own vitest project plus the repo checks in scripts/.
export default defineConfig({
  test: {
    projects: ['peers/*/*/vitest.config.ts', 'scripts/vitest.config.ts']
  }
})
