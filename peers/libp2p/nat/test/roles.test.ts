// The three roles as processes on loopback, as `pnpm start:*` runs them: a dialer reaches the listener
// through the relay's reservation and over WebRTC signalled through it, messages are echoed both ways, the
// relay's limit ends a relayed connection with one line, and bad settings are one line and exit 1. What
// happens behind real NAT routers is the NAT tier's (scripts/nat/).
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, startProcess, stopAllProcesses, waitForReady, type RoleProcess
} from '../../../../scripts/testing/processes.ts'
import type { ListenerReady } from '../src/listener.ts'

afterEach(stopAllProcesses)

const exampleDir = join(import.meta.dirname, '..')
const PEER = '12D3KooWFy9W7i84vJNqByAmE7AzisxYYdtuixEVDooicG7wD2q9'
const EXAMPLE = '/ip6/3fff:0:0:1::10/tcp/4001/p2p/12D3KooW…'
const role = (script: string, env: Record<string, string>, stdin: 'pipe' | 'ignore' = 'ignore'): RoleProcess =>
  startProcess(['node', `src/${script}`], { cwd: exampleDir, env, label: script, stdin })

async function relayAndListener (relayEnv: Record<string, string> = {}): Promise<ListenerReady> {
  const relay = await waitForReady(role('relay.ts', relayEnv))
  return waitForReady<ListenerReady>(role('listener.ts', { RELAY_ADDR: relay.multiaddrs[0]! }))
}

test('through the relay: the dialer stays relayed on loopback (DCUtR has no public address), its messages are ' +
  'echoed and the listener greets it', async () => {
  const listener = await relayAndListener()
  expect(listener.circuit).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+\/p2p-circuit\/p2p\/\w+$/)
  const dialer = role('dialer.ts', { LISTENER_ADDR: listener.circuit, DIRECT_TIMEOUT_MS: '1000', ECHO_BYTES: '32768' })
  await expectExit(dialer, 0)
  const line = (pattern: RegExp): void => expect(dialer.stdout).toContainEqual(expect.stringMatching(pattern))
  // 32 KiB each way fits the relay's 128 KiB
  line(/^echoed 32768 bytes relayed .* in \d+ ms: [\d.]+ MiB\/s each way$/)
  // what is left of the 128 KiB after identify, and the 2 minutes as the js relay states them: in
  // milliseconds, where circuit relay v2 says seconds (Kubo's relay says 120)
  line(/^connected after \d+ ms: relayed .*\(relay limits: 1[23]\d{4} bytes, 120000 s\)$/)
  expect(dialer.stdout).toContain('stayed relayed: no direct connection within 1000 ms')
  expect(dialer.stdout.filter(line => /^message \d\/3 relayed .*: "echo: message \d"$/.test(line))).toHaveLength(3)
  line(/^heard from the listener relayed .*: hello from the listener$/)
})

test('over WebRTC: signalled through the relay, then a direct connection that carries the messages', async () => {
  const listener = await relayAndListener()
  const dialer = role('dialer.ts', { LISTENER_ADDR: listener.webrtc, ECHO_BYTES: String(1024 * 1024) })
  await expectExit(dialer, 0)
  const line = (pattern: RegExp): void => expect(dialer.stdout).toContainEqual(expect.stringMatching(pattern))
  line(/^echoed 1048576 bytes direct over webrtc .* in \d+ ms: [\d.]+ MiB\/s each way$/)
  line(/^connected after \d+ ms: direct over webrtc /)
  expect(dialer.stdout.filter(text => /^message \d\/3 direct over webrtc .*: "echo: message \d"$/.test(text)))
    .toHaveLength(3)
  line(/^heard from the listener direct over webrtc .*: hello from the listener$/)
})

test('the relay\'s limit (RELAY_LIMIT_SECONDS=2) ends a relayed connection in use: messages flow until then, ' +
  'and the dialer says so in one line', async () => {
  const listener = await relayAndListener({ RELAY_LIMIT_SECONDS: '2' })
  const started = performance.now()
  const env = { LISTENER_ADDR: listener.circuit, DIRECT_TIMEOUT_MS: '500', STDIN_MESSAGES: '1' }
  const dialer = role('dialer.ts', env, 'pipe')
  await dialer.waitForLine(/^message 3\/3 relayed .*"echo: message 3"$/)
  dialer.child.stdin!.write('still within the limit\n')
  await dialer.waitForLine(/^sent "still within the limit" relayed .*answer: "echo: still within the limit"$/)
  await expectExit(dialer, 1)
  expect(performance.now() - started).toBeGreaterThanOrEqual(2000)
  expect(dialer.stderr).toEqual([expect.stringMatching(/^dialer: the relay ended the relayed connection after \d+ ms/)])
})

test.each([
  ['relay.ts', { LISTEN_ADDRS: 'localhost:4001' },
    'relay: LISTEN_ADDRS: "localhost:4001" is not a multiaddr (e.g. /ip6/::/tcp/4001)'],
  ['relay.ts', { RELAY_LIMIT_SECONDS: 'two' }, 'relay: RELAY_LIMIT_SECONDS: "two" is not a whole number of seconds'],
  ['listener.ts', {}, `listener: RELAY_ADDR is required: the multiaddr to dial, e.g. ${EXAMPLE}`],
  ['listener.ts', { RELAY_ADDR: '/ip4/127.0.0.1/tcp/4001' },
    `listener: RELAY_ADDR: "/ip4/127.0.0.1/tcp/4001" must end in /p2p/<peer id>, e.g. ${EXAMPLE}`],
  ['dialer.ts', { LISTENER_ADDR: `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}` },
    `dialer: LISTENER_ADDR: "/ip4/127.0.0.1/tcp/4001/p2p/${PEER}" is not a relayed address (…/p2p-circuit/…): ` +
    'a peer behind NAT is dialled through its relay'],
  ['dialer.ts', {
    LISTENER_ADDR: `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}/p2p-circuit/p2p/${PEER}`, ICE_SERVERS: 'stun.example:3478'
  },
  'dialer: ICE_SERVERS: "stun.example:3478" is neither stun:<host>:<port> nor turn:<user>:<password>@<host>:<port>']
])('%s with %o: one line and exit 1', async (script, env, line) => {
  const process = role(script, env)
  await expectExit(process, 1)
  expect(process.stderr).toEqual([line])
})
