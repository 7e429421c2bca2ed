import { defineConfig } from 'vitest/config'

// The docker tier: one compose project at a time (the files share the engine and the published ports).
export default defineConfig({
  test: {
    name: 'docker',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000
  }
})
