import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'orbitdb-v4',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30_000
  }
})
