import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'ipfs-routing',
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 30_000
  }
})
