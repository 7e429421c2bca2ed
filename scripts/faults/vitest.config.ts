import { defineConfig } from 'vitest/config'

// The faults tier: test hosts in network namespaces (root), one file at a time (they share the bridge).
export default defineConfig({
  test: {
    name: 'faults',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000
  }
})
