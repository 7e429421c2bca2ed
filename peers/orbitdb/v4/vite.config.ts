import { defineConfig } from 'vite'

// The browser page (web/): `pnpm dev:web` serves it next to the example's server; `vite build` bundles it.
export default defineConfig({
  root: 'web',
  // one multiformats for the page and @ipfs-liftoff/orbitdb-hosting, the example's: the module's own may not be
  // installed (pnpm install --filter installs a workspace dependency's dependencies in no folder of its own)
  resolve: { dedupe: ['multiformats'] },
  server: { host: '127.0.0.1', strictPort: false },
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022' }
})
