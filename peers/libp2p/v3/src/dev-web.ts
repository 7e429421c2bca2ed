// `pnpm dev:web`: the server (random free ports on 127.0.0.1) and the browser page served by Vite, with the
// server's WebSocket address filled in. Open the URLs it prints; Ctrl-C stops both.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createServer } from 'vite'

const exampleDir = join(import.meta.dirname, '..')
const server = spawn(process.execPath, [join(import.meta.dirname, 'server.ts')], {
  env: { ...process.env, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws', DATA_DIR: join(exampleDir, '.data', 'dev-web') },
  stdio: ['ignore', 'pipe', 'inherit']
})
const ready = await new Promise<{ multiaddrs: string[] }>((resolve, reject) => {
  createInterface({ input: server.stdout }).on('line', line => {
    console.log(`server │ ${line}`)
    if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as { multiaddrs: string[] })
  })
  server.once('exit', code => reject(new Error(`the server exited (${code}) before it was ready`)))
})
const ws = ready.multiaddrs.find(address => address.includes('/ws/'))!
const vite = await createServer({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web') })
await vite.listen()
const base = vite.resolvedUrls!.local[0]!
console.log(`page   │ the Node server from a browser: ${base}?server=${encodeURIComponent(ws)}`)
console.log(`page   │ two browsers over WebRTC (open it twice, give the second the first's address): ${base}webrtc.html?relay=${encodeURIComponent(ws)}`)
const stop = (): void => {
  server.kill('SIGTERM')
  void vite.close().then(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
