// `pnpm dev:web`: the server (the seed directory, free ports on 127.0.0.1) and the browser page served by
// Vite, with the server's WebSocket address, gateway URL and the seed's CID filled in. Open the URL it
// prints; Ctrl-C stops both.
import { join } from 'node:path'
import { createServer } from 'vite'
import { startReady, stopRoles } from './roles.ts'
import type { Ready } from './server.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const ready = await startReady<Ready>('server', ['src/server.ts'], {
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0/ws',
  GATEWAY_LISTEN: '127.0.0.1:0',
  SERVE_PATH: join(exampleDir, 'seed'),
  DATA_DIR: join(exampleDir, '.data', 'dev-web')
})
const vite = await createServer({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web') })
await vite.listen()
const query = new URLSearchParams({ server: ready.multiaddrs[0]!, gateway: ready.gateway, cid: ready.cid! })
console.log(`page       │ open ${vite.resolvedUrls!.local[0]!}?${query}`)
console.log('page       │ then stop this (Ctrl-C) and reload the page: it opens the same files from IndexedDB')
const stop = (): void => {
  Promise.all([stopRoles(), vite.close()]).then(() => process.exit(0), (err: Error) => {
    console.error(`dev:web: ${err.message}`)
    process.exit(1)
  })
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
