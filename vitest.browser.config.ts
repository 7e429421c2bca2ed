import { defineConfig } from 'vitest/config'

// `pnpm test:browser` (node scripts/liftoff.mjs test:browser): the examples' pages in headless Chromium
// (Debian's; scripts/chromium.ts brings it), against the examples' Node servers.
export default defineConfig({
  test: {
    projects: ['peers/*/*/vitest.browser.config.ts']
  }
})
