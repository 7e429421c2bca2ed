import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'orbitdb-v4',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'], // headless Chromium: vitest.browser.config.ts
    testTimeout: 120_000,
    hookTimeout: 30_000
  }
})
