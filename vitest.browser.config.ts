import { defineConfig } from 'vitest/config'

// `pnpm test:browser` (node scripts/liftoff.mjs test:browser): the examples' pages in headless Chromium
// (Debian's; scripts/install-chromium.ts brings it), against the examples' Node servers, and the browser benchmark
// at a token size.
export default defineConfig({
  test: {
    projects: ['peers/*/*/vitest.browser.config.ts', 'scripts/browser/vitest.config.ts']
  }
})
