import { defineConfig } from 'vitest/config'

// The routing tier: a private DHT of Helia and Kubo on test hosts in network namespaces (root), one file at
// a time (the hosts share the bridge of scripts/testing/netns.ts).
export default defineConfig({
  test: {
    name: 'routing',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000
  }
})
