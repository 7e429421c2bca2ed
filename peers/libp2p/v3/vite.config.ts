import { join } from 'node:path'
import { defineConfig } from 'vite'

// The browser pages (web/): `pnpm dev:web` serves them next to the example's server; `vite build` bundles them.
export default defineConfig({
  root: 'web',
  server: { host: '127.0.0.1', strictPort: false },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: join(import.meta.dirname, 'web/index.html'),
        webrtc: join(import.meta.dirname, 'web/webrtc.html')
      }
    }
  }
})
