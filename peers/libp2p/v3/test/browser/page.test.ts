// The browser page as a user opens it: Vite serves web/, headless Chromium (Debian's) loads it with the
// server's WebSocket address, and the page dials the Node server, identifies, pings, exchanges messages and
// echoes 256 KiB. Asserts on the page's state, and keeps a screenshot for the README.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { stateOf, textOf, useBrowser } from '../../../../../scripts/testing/browser.ts'
import { stopAllProcesses } from '../../../../../scripts/testing/processes.ts'
import { startServerProcess } from '../fixtures.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const browser = useBrowser(exampleDir)
afterEach(stopAllProcesses)

test('the page dials the Node server over WebSockets: identify, ping, messages, a 256 KiB echo intact', async () => {
  const listen = { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' }
  const { server, ready } = await startServerProcess('server', listen)
  const ws = ready.multiaddrs.find(address => address.includes('/ws/'))!
  const page = await browser.open('', { server: ws })
  expect(await stateOf(page, ['done', 'failed'])).toBe('done')
  expect(await textOf(page, 'remote')).toContain(`${ready.peerId} via ${ws}`)
  expect(await textOf(page, 'remote')).toContain('/noise, /yamux/1.0.0')
  expect(await textOf(page, 'agent'))
    .toMatch(/^js-libp2p\/3\.\S+ .*\/liftoff\/echo\/1\.0\.0 \/liftoff\/messages\/1\.0\.0/)
  expect(await textOf(page, 'ping')).toMatch(/^\d+(\.\d+)? ms$/)
  expect(await textOf(page, 'replies')).toBe('hello from a browser → HELLO FROM A BROWSER · goodbye → GOODBYE')
  expect(await textOf(page, 'echo')).toBe('262144 bytes sent, 262144 returned, intact ✓')
  const pagePeer = await textOf(page, 'peer')
  expect(server.stdout.some(line => line.startsWith('connection from') && line.includes(pagePeer))).toBe(true)
  await browser.screenshot(page, 'screenshot.png')
})
