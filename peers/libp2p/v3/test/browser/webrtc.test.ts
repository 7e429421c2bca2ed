// Two pages, one relay: both take a reservation on the Node server (a circuit relay v2), the second dials
// the first's /p2p-circuit/webrtc address, WebRTC is negotiated through the relay and the pages then talk
// directly. The relay is stopped and the pages still exchange messages.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { stateOf, textOf, useBrowser } from '../../../../../scripts/testing/browser.ts'
import { stopAllProcesses } from '../../../../../scripts/testing/processes.ts'
import { startServerProcess } from '../fixtures.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const browser = useBrowser(exampleDir)
afterEach(stopAllProcesses)

test('two pages connect over WebRTC through the server as relay, and keep talking once it is gone', async () => {
  const { server: relay, ready } = await startServerProcess('relay', { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0/ws' })
  const ws = ready.multiaddrs[0]!

  const first = await browser.open('webrtc.html', { relay: ws })
  expect(await stateOf(first, ['listening', 'failed'])).toMatch(/^listening/)
  const firstAddress = await textOf(first, 'address')
  expect(firstAddress).toBe(`${ws}/p2p-circuit/webrtc/p2p/${await textOf(first, 'peer')}`)

  const second = await browser.open('webrtc.html', { relay: ws, peer: firstAddress })
  expect(await stateOf(second, ['connected', 'failed'])).toBe('connected')
  expect(await textOf(second, 'remote')).toBe(`${await textOf(first, 'peer')} over WebRTC`)
  expect(await textOf(second, 'log')).toContain('me: hello over WebRTC → HELLO OVER WEBRTC')
  expect(await textOf(first, 'log')).toContain('said {"text":"hello over WebRTC"}')

  relay.child.kill('SIGKILL')
  await second.locator('#connections', { hasNotText: '(relayed' }).waitFor({ timeout: 30_000 })
  await second.fill('#text', 'still here without the relay')
  await second.click('#send button')
  await second.locator('#log', { hasText: 'STILL HERE WITHOUT THE RELAY' }).waitFor({ timeout: 15_000 })
  expect(await textOf(first, 'log')).toContain('said {"text":"still here without the relay"}')
  expect(await textOf(second, 'connections')).toMatch(/via WebRTC$/)
  expect(await textOf(second, 'state')).toBe('connected')
  await browser.screenshot(second, 'webrtc.png')
})
