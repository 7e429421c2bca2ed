import { defineConfig } from 'vite'

// The page (web/): `pnpm build:web` bundles it into dist/web; the NAT tier serves that build to Chromium
// inside each lab host.
export default defineConfig({
  root: 'web',
  base: './',
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2023' }
})
