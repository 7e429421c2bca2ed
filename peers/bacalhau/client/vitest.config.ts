import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'bacalhau-client',
    include: ['test/**/*.test.ts'],
    exclude: ['test/interop/**'], // real Bacalhau: vitest.interop.config.ts
    testTimeout: 90_000,
    hookTimeout: 30_000
  }
})
