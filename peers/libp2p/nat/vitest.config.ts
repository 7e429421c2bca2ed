import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'libp2p-nat',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
