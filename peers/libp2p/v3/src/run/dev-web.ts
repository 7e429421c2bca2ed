// `pnpm dev:web`: the server (random free ports on 127.0.0.1) and the browser page served by Vite, with the
// server's WebSocket address filled in. Open the URLs it prints; Ctrl-C stops both.
import { join } from 'node:path'
import { createServer } from 'vite'
import { startReady, stopRoles } from './roles.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const ready = await startReady<{ multiaddrs: string[] }>('server', ['src/server.ts'], {
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
  DATA_DIR: join(exampleDir, '.data', 'dev-web')
})
const ws = ready.multiaddrs.find(address => address.includes('/ws/'))
if (ws === undefined) throw new Error('the server has no WebSocket address')
const vite = await createServer({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web') })
await vite.listen()
const base = vite.resolvedUrls?.local[0] ?? 'http://localhost:5173/'
console.log(`page       │ the Node server from a browser: ${base}?server=${encodeURIComponent(ws)}`)
console.log('page       │ two browsers over WebRTC (open it twice, give the second the first\'s address): ' +
  `${base}webrtc.html?relay=${encodeURIComponent(ws)}`)
const stop = (): void => {
  Promise.all([stopRoles(), vite.close()]).then(() => process.exit(0), (err: Error) => {
    console.error(`dev:web: ${err.message}`)
    process.exit(1)
  })
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
