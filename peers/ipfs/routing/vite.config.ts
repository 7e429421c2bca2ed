import { defineConfig } from 'vite'

// The browser page (web/): `pnpm dev:web` serves it; `pnpm build:web` bundles it into dist/web.
export default defineConfig({
  root: 'web',
  server: { host: '127.0.0.1', strictPort: false },
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' }
})
