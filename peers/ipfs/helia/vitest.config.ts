import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'ipfs-helia',
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'], // headless Chromium: vitest.browser.config.ts
    testTimeout: 90_000,
    hookTimeout: 30_000
  }
})
