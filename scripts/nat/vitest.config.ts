import { defineConfig } from 'vitest/config'

// The NAT tier: peers in a lab of network namespaces behind NAT routers (root), one file at a time.
export default defineConfig({
  test: {
    name: 'nat',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
