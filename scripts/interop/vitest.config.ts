import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'interop',
    include: ['**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000
  }
})
