import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'repo-checks',
    include: ['checks/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
