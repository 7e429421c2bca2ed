import { defineConfig } from 'vitest/config'

// The k8s tier: one release on one cluster, its tests in order (each starts where the last left it).
export default defineConfig({
  test: {
    name: 'k8s',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 600_000,
    hookTimeout: 600_000
  }
})
