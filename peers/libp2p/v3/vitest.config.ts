import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'libp2p-v3',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'], // headless Chromium: vitest.browser.config.ts
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
