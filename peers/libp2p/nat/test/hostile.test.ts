// The listener against a peer that does not play by the rules, on loopback: a chat message over 4096
// bytes, a length prefix that never ends, an echo over ECHO_MAX_BYTES, an echo that goes idle. Each stream
// is reset at once (or at its idle deadline) with one line on the listener saying why, and the listener
// still chats and echoes after. The dialer refuses to send a line over the limit and goes on.
import { join } from 'node:path'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { varint } from '../../../../scripts/testing/hostile.ts'
import {
  expectExit, expectRunning, startProcess, stopAllProcesses, waitForReady, type RoleProcess
} from '../../../../scripts/testing/processes.ts'
import { CHAT_PROTOCOL, sendChat } from '../src/chat.ts'
import { ECHO_PROTOCOL } from '../src/echo.ts'
import { createPeerNode, type PeerNode } from '../src/node.ts'
import type { ListenerReady } from '../src/listener.ts'
import type { Stream } from '@libp2p/interface'

afterEach(stopAllProcesses)

const exampleDir = join(import.meta.dirname, '..')
const role = (script: string, env: Record<string, string>, stdin: 'pipe' | 'ignore' = 'ignore'): RoleProcess =>
  startProcess(['node', `src/${script}`], { cwd: exampleDir, env, label: script, stdin })

async function relayAndListener (
  listenerEnv: Record<string, string> = {}, relayEnv: Record<string, string> = {}
): Promise<{ listener: RoleProcess, ready: ListenerReady }> {
  const relay = await waitForReady(role('relay.ts', relayEnv))
  const listener = role('listener.ts', { RELAY_ADDR: relay.multiaddrs[0]!, ...listenerEnv })
  return { listener, ready: await waitForReady<ListenerReady>(listener) }
}

/** A peer of our own, dialled straight to the listener's loopback TCP address. */
async function peer (ready: ListenerReady): Promise<{ node: PeerNode, address: Multiaddr }> {
  const node = await createPeerNode({ listen: [], iceServers: [] })
  onCleanup('peer stop()', () => node.stop())
  const tcp = ready.multiaddrs.find(address => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(address))!
  return { node, address: multiaddr(tcp) }
}

/** How `stream` ended, and after how many milliseconds. */
async function ending (stream: Stream, started: number): Promise<{ end: string, ms: number }> {
  return new Promise(resolve => {
    stream.addEventListener('close', event => {
      resolve({ end: event.error === undefined ? 'closed' : 'reset', ms: performance.now() - started })
    }, { once: true })
  })
}

test('chat: a message over 4096 bytes and a length prefix that never ends are reset at once, each with a line ' +
  'saying why; the listener still chats after', async () => {
  const { listener, ready } = await relayAndListener()
  const { node, address } = await peer(ready)
  const connection = await node.dial(address)
  for (const [bytes, reason] of [
    [Buffer.concat([varint(5000), Buffer.alloc(5000, 0x61)]), 'a message over 4096 bytes'],
    [new Uint8Array(16).fill(0xff), 'a length prefix over 2 bytes']
  ] as const) {
    const stream = await connection.newStream(CHAT_PROTOCOL)
    const started = performance.now()
    const ended = ending(stream, started)
    stream.send(bytes) // and our side stays open: the server decides alone
    const { end, ms } = await ended
    expect(end).toBe('reset')
    // the chat deadline is 10 s: this is the refusal, not the deadline
    expect(ms).toBeLessThan(2000)
    await listener.waitForLine(new RegExp(`^refused a chat stream from \\w+… direct over tcp .*: ${reason}$`))
  }
  expect(await sendChat(connection, 'still here')).toBe('echo: still here')
  expectRunning(listener)
})

test('chat: the dialer does not send a line over 4096 bytes, says so, and sends the next', async () => {
  const { ready } = await relayAndListener()
  const dialer = role('dialer.ts', {
    LISTENER_ADDR: ready.circuit, DIRECT_TIMEOUT_MS: '500', MESSAGES: '1', STDIN_MESSAGES: '1'
  }, 'pipe')
  await dialer.waitForLine(/^message 1\/1 relayed .*"echo: message 1"$/)
  dialer.child.stdin!.write(`${'x'.repeat(5000)}\n`)
  await dialer.waitForLine(/^not sent: a message of 5000 bytes, over the 4096-byte limit$/)
  dialer.child.stdin!.write('short enough\n')
  await dialer.waitForLine(/^sent "short enough" relayed .*answer: "echo: short enough"$/)
  dialer.child.stdin!.end()
  await expectExit(dialer, 0)
})

test('echo: a stream over ECHO_MAX_BYTES is reset, the dialer says so in one line, the listener says why; ' +
  'a smaller echo still works', async () => {
  // a relay that carries 8 MiB: the cap here is the listener's, not the relay's 128 KiB
  const { listener, ready } = await relayAndListener({ ECHO_MAX_BYTES: '65536' },
    { RELAY_LIMIT_BYTES: String(8 * 1024 * 1024) })
  const dial = { LISTENER_ADDR: ready.circuit, DIRECT_TIMEOUT_MS: '500', MESSAGES: '1' }
  const over = role('dialer.ts', { ...dial, ECHO_BYTES: '262144' })
  await expectExit(over, 1)
  expect(over.stderr).toEqual([expect.stringMatching(new RegExp('^dialer: the listener ended the echo after \\d+ ' +
    'of 262144 bytes \\(it echoes at most its ECHO_MAX_BYTES, and ends an echo idle for ECHO_IDLE_TIMEOUT_MS\\)$'))])
  await listener.waitForLine(/^ended an echo from \w+… relayed .*: over 65536 bytes$/)
  const within = role('dialer.ts', { ...dial, ECHO_BYTES: '32768' })
  await expectExit(within, 0)
  expect(within.stdout).toContainEqual(expect.stringMatching(/^echoed 32768 bytes relayed /))
})

test('echo: a stream that goes idle is reset after ECHO_IDLE_TIMEOUT_MS, with a line saying so', async () => {
  const { listener, ready } = await relayAndListener({ ECHO_IDLE_TIMEOUT_MS: '1000' })
  const { node, address } = await peer(ready)
  const stream = await node.dialProtocol(address, ECHO_PROTOCOL)
  const started = performance.now()
  const ended = ending(stream, started)
  stream.send(new Uint8Array(10)) // then nothing, and the stream left open
  const { end, ms } = await ended
  expect(end).toBe('reset')
  expect(ms).toBeGreaterThanOrEqual(1000)
  expect(ms).toBeLessThan(5000)
  await listener.waitForLine(/^ended an echo from \w+… direct over tcp .*: idle for 1000 ms$/)
  expectRunning(listener)
})

test.each([
  [{ ECHO_MAX_BYTES: 'lots' }, 'listener: ECHO_MAX_BYTES: "lots" is not a whole number of bytes'],
  [{ ECHO_IDLE_TIMEOUT_MS: '0' }, 'listener: ECHO_IDLE_TIMEOUT_MS: "0" is not a whole number of milliseconds above 0']
])('listener with %o: one line and exit 1', async (env, line) => {
  const RELAY_ADDR = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWFy9W7i84vJNqByAmE7AzisxYYdtuixEVDooicG7wD2q9'
  const listener = role('listener.ts', { RELAY_ADDR, ...env })
  await expectExit(listener, 1)
  expect(listener.stderr).toEqual([line])
})
