// Hostile input against the real server process: every kind of broken frame on /liftoff/messages/1.0.0,
// echo streams over MAX_ECHO_BYTES, and a stream that trickles its request a byte at a time. Each gets
// exactly what the frame rules say (scripts/testing/hostile.ts expectedExchange): an error answer per whole
// frame, a close where the input ends, a reset for a length it cannot accept or a deadline missed; the
// server keeps serving, and its memory stays bounded.
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { expectFramesRefused, hostileFrames, rssMiB, sendRaw, trickle } from '../../../../scripts/testing/hostile.ts'
import { expectRunning, stopAllProcesses } from '../../../../scripts/testing/processes.ts'
import { ECHO_PROTOCOL } from '../src/echo.ts'
import { DEFAULT_MAX_MESSAGE_BYTES, MESSAGES_PROTOCOL, MessageSession } from '../src/messages.ts'
import { startClientNode, startServerProcess } from './fixtures.ts'

afterEach(stopAllProcesses)

async function startServer () {
  const { server, ready } = await startServerProcess('server', {
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
    MESSAGE_TIMEOUT_MS: '1000',
    MAX_ECHO_BYTES: String(64 * 1024)
  })
  return { server, address: multiaddr(ready.multiaddrs[0]!) }
}

async function stillServes (
  client: Awaited<ReturnType<typeof startClientNode>>, address: ReturnType<typeof multiaddr>
): Promise<void> {
  const session = await MessageSession.open(client, address)
  expect(await session.request({ text: 'still there?' })).toMatchObject({ ok: true, reply: 'STILL THERE?' })
  await session.close()
}

const wrongShapes = ['{"text":5}', '{"text":null}', '{"cid":"bafy"}', '{"op":"host","address":"x"}']
const inputs = hostileFrames(DEFAULT_MAX_MESSAGE_BYTES, wrongShapes)

test(`messages: ${inputs.length} hostile frames of every kind each get what the frame rules say ` +
  '(error answers, a close, a reset); the server keeps serving within bounded memory', async () => {
  const { server, address } = await startServer()
  const client = await startClientNode()
  await stillServes(client, address)
  const before = await rssMiB(server.child.pid!)
  await expectFramesRefused(client, address, MESSAGES_PROTOCOL, inputs, DEFAULT_MAX_MESSAGE_BYTES, 'many')
  expectRunning(server)
  await stillServes(client, address)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

test('echo: streams over MAX_ECHO_BYTES are reset, 20 at once; smaller ones are echoed', async () => {
  const { server, address } = await startServer()
  const client = await startClientNode()
  const exchanges = await Promise.all(Array.from({ length: 20 }, async () =>
    sendRaw(client, address, ECHO_PROTOCOL, new Uint8Array(1024 * 1024))))
  expect(new Set(exchanges.map(exchange => exchange.end))).toEqual(new Set(['reset']))
  const small = new Uint8Array(1000).fill(1)
  expect(await sendRaw(client, address, ECHO_PROTOCOL, small)).toEqual({ bytes: Buffer.from(small), end: 'closed' })
  expect(server.stdout.filter(line => line.startsWith('reset an echo stream from')).length).toBe(20)
})

test('a request trickled a byte at a time is reset after MESSAGE_TIMEOUT_MS (1 s), not before', async () => {
  const { address } = await startServer()
  const client = await startClientNode()
  const stream = await client.dialProtocol(address, MESSAGES_PROTOCOL)
  const { end, answers, ms } = await trickle(stream, 100)
  expect({ end, answers }).toEqual({ end: 'reset', answers: [] })
  expect(ms).toBeGreaterThanOrEqual(1_000)
  expect(ms).toBeLessThan(5_000)
  await stillServes(client, address)
})
