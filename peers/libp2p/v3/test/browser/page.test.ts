// The browser page as a user opens it: Vite serves web/, headless Chromium (Debian's) loads it with the
// server's WebSocket address, and the page dials the Node server, identifies, pings, exchanges messages and
// echoes 256 KiB. Asserts on the page's state, and keeps a screenshot for the README.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { tempDir } from '../../../../../scripts/testing/cleanup.ts'
import { startProcess, stopAllProcesses, waitForReady } from '../../../../../scripts/testing/processes.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`)

let vite: ViteDevServer
let browser: BrowserContext
let profile: string

beforeAll(async () => {
  vite = await createServer({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web'), logLevel: 'error', server: { port: 0 } })
  await vite.listen()
  profile = await mkdtemp(join(tmpdir(), 'liftoff-chromium-'))
  // a fresh profile directory each run
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
})
afterAll(async () => {
  await browser?.close()
  await vite?.close()
  await rm(profile, { recursive: true, force: true })
})
afterEach(stopAllProcesses)

test('the page dials the Node server over WebSockets: identify, ping, messages, a 256 KiB echo intact', async () => {
  const server = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, label: 'server', env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' } })
  const ready = await waitForReady(server)
  const ws = ready.multiaddrs.find(address => address.includes('/ws/'))!
  const page = await browser.newPage()
  try {
    await page.goto(`${vite.resolvedUrls!.local[0]!}?server=${encodeURIComponent(ws)}`)
    await page.waitForSelector('#state[data-state="done"], #state[data-state="failed"]', { timeout: 60_000 })
    const text = async (id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? ''
    expect(await text('state'), await text('state')).toBe('done')
    expect(await text('remote')).toContain(`${ready.peerId} via ${ws}`)
    expect(await text('remote')).toContain('/noise, /yamux/1.0.0')
    expect(await text('agent')).toMatch(/^js-libp2p\/3\.\S+ .*\/liftoff\/echo\/1\.0\.0 \/liftoff\/messages\/1\.0\.0/)
    expect(await text('ping')).toMatch(/^\d+(\.\d+)? ms$/)
    expect(await text('replies')).toBe('hello from a browser → HELLO FROM A BROWSER · goodbye → GOODBYE')
    expect(await text('echo')).toBe('262144 bytes sent, 262144 returned, intact ✓')
    const pagePeer = await text('peer')
    expect(server.stdout.some(line => line.startsWith('connection from') && line.includes(pagePeer))).toBe(true)
    await page.screenshot({ path: join(exampleDir, 'web', 'screenshot.png') })
  } finally {
    await page.close()
  }
})
