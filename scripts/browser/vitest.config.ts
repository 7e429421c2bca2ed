import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'browser-bench',
    include: ['**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000
  }
})
