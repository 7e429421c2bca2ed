// Hostile input against the real server process: every kind of broken frame on /liftoff/messages/1.0.0,
// echo streams over MAX_ECHO_BYTES, and a stream that trickles its request a byte at a time. Each gets an
// error answer, a close or a reset; the server keeps serving, and its memory stays bounded.
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { hostileFrames, rawExchange, rssMiB, trickle } from '../../../../scripts/testing/hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { ECHO_PROTOCOL } from '../src/echo.ts'
import { DEFAULT_MAX_MESSAGE_BYTES, MESSAGES_PROTOCOL, MessageSession } from '../src/messages.ts'
import { startClientNode, tempDir } from './fixtures.ts'

afterEach(stopAllProcesses)

async function startServer () {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: `${import.meta.dirname}/..`,
    env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', MESSAGE_TIMEOUT_MS: '1000', MAX_ECHO_BYTES: String(64 * 1024) }
  })
  const ready = await waitForReady(server)
  return { server, address: multiaddr(ready.multiaddrs[0]!) }
}

async function stillServes (client: Awaited<ReturnType<typeof startClientNode>>, address: ReturnType<typeof multiaddr>): Promise<void> {
  const session = await MessageSession.open(client, address)
  expect(await session.request({ text: 'still there?' })).toMatchObject({ ok: true, reply: 'STILL THERE?' })
  await session.close()
}

const inputs = hostileFrames(DEFAULT_MAX_MESSAGE_BYTES)

test(`messages: ${inputs.length} hostile frames each get an error answer, a close or a reset; the server keeps serving within bounded memory`, async () => {
  const { server, address } = await startServer()
  const client = await startClientNode()
  await stillServes(client, address)
  const before = await rssMiB(server.child.pid!)
  const outcomes = new Map<string, Set<string>>()
  for (const input of inputs) {
    const outcome = await rawExchange(client, address, MESSAGES_PROTOCOL, input.bytes)
    outcomes.set(input.kind, new Set([...outcomes.get(input.kind) ?? [], outcome]))
  }
  expect(outcomes.get('frame over the limit')).toEqual(new Set(['reset']))
  expect(outcomes.get('huge length prefix')).toEqual(new Set(['reset']))
  expect(outcomes.get('invalid JSON')).toEqual(new Set(['answered']))
  expect(outcomes.get('JSON of the wrong shape')).toEqual(new Set(['answered']))
  expectRunning(server)
  await stillServes(client, address)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

test('echo: streams over MAX_ECHO_BYTES are reset, 20 at once; smaller ones are echoed', async () => {
  const { server, address } = await startServer()
  const client = await startClientNode()
  const outcomes = await Promise.all(Array.from({ length: 20 }, async () => rawExchange(client, address, ECHO_PROTOCOL, new Uint8Array(1024 * 1024))))
  expect(new Set(outcomes)).toEqual(new Set(['reset']))
  expect(await rawExchange(client, address, ECHO_PROTOCOL, new Uint8Array(1000).fill(1))).toBe('answered')
  expect(server.stdout.filter(line => line.startsWith('reset an echo stream from')).length).toBe(20)
})

test('a request trickled a byte at a time is reset after MESSAGE_TIMEOUT_MS; the server keeps serving', async () => {
  const { address } = await startServer()
  const client = await startClientNode()
  const stream = await client.dialProtocol(address, MESSAGES_PROTOCOL)
  const { outcome, ms } = await trickle(stream, 100)
  expect(outcome).toBe('reset')
  expect(ms).toBeLessThan(5_000)
  await stillServes(client, address)
})
