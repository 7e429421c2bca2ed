import { defineConfig } from 'vitest/config'

// `pnpm test:browser`: the page in web/ driven in headless Chromium (CHROMIUM_PATH, default Debian's
// /usr/bin/chromium) against the example's Node server. The repo runs it in its browser tier.
export default defineConfig({
  test: {
    name: 'orbitdb-v4-browser',
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
