import { randomBytes } from 'node:crypto'
import { stat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, test } from 'vitest'
import { readClientConfig } from '../src/run/config.ts'
import { runClient } from '../src/client.ts'
import { dialWithRetry, parseServerAddress, withDeadline } from '../src/dial.ts'
import { echo } from '../src/echo.ts'
import { loadOrCreatePrivateKey } from '../src/identity.ts'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MESSAGES_PROTOCOL, MessageSession } from '../src/messages.ts'
import { unusedPort } from '../../../../scripts/testing/processes.ts'
import { startClientNode, startTestServer, tempDir } from './fixtures.ts'

describe.each(['tcp', 'ws'] as const)('over %s', transport => {
  const addressOf = (server: Awaited<ReturnType<typeof startTestServer>>): string =>
    transport === 'tcp' ? server.tcpAddress : server.wsAddress

  test('1 MiB of random bytes is echoed intact', async () => {
    const server = await startTestServer()
    const client = await startClientNode()
    const payload = randomBytes(1024 * 1024)
    const returned = await echo(client, multiaddr(addressOf(server)), payload)
    expect(returned.byteLength).toBe(payload.byteLength)
    expect(Buffer.compare(returned, payload)).toBe(0)
  })

  test('the client role dials, pings, exchanges messages and verifies its echo', async () => {
    const server = await startTestServer()
    const report = await runClient(readClientConfig({ SERVER_ADDR: addressOf(server), MESSAGES: 'one,two' }), () => {})
    expect(report.serverPeerId).toBe(server.ready.peerId)
    expect(report.replies).toEqual(['ONE', 'TWO'])
    expect(report.echoedBytes).toBe(1024 * 1024)
    expect(server.log.filter(line => line.startsWith('message from'))).toHaveLength(2)
  })
})

test('request/response round trip answers each request in order on one stream', async () => {
  const server = await startTestServer()
  const client = await startClientNode()
  const session = await MessageSession.open(client, multiaddr(server.tcpAddress))
  const first = await session.request({ text: 'héllo' })
  const second = await session.request({ text: 'world' })
  await session.close()
  expect(first).toMatchObject({ ok: true, reply: 'HÉLLO', receivedBytes: Buffer.byteLength('{"text":"héllo"}') })
  expect(second).toMatchObject({ ok: true, reply: 'WORLD' })
})

test('a request that is not {"text": string} gets an error answer and the stream stays usable', async () => {
  const server = await startTestServer()
  const client = await startClientNode()
  const stream = await client.dialProtocol(multiaddr(server.tcpAddress), MESSAGES_PROTOCOL)
  const frames = lpStream(stream)
  await frames.write(new TextEncoder().encode('not json'))
  const answer = async (): Promise<unknown> => JSON.parse(new TextDecoder().decode((await frames.read()).subarray()))
  expect(await answer()).toEqual({ ok: false, error: 'expected {"text": string}' })
  await frames.write(new TextEncoder().encode('{"text":"still here"}'))
  expect(await answer()).toMatchObject({ ok: true, reply: 'STILL HERE' })
  await stream.close()
})

test('ping measures a round trip to the server', async () => {
  const server = await startTestServer()
  const client = await startClientNode()
  const address = multiaddr(server.tcpAddress)
  const rttMs = await withDeadline(10_000, async signal => client.services.ping.ping(address, { signal }))
  expect(rttMs).toBeGreaterThanOrEqual(0)
  expect(client.getConnections().map(connection => connection.remotePeer.toString())).toContain(server.ready.peerId)
})

test('an oversized frame resets only its own stream; a parallel stream keeps working', async () => {
  const server = await startTestServer({ maxMessageBytes: 1024 })
  const client = await startClientNode()
  const serverAddress = multiaddr(server.tcpAddress)
  const healthy = await MessageSession.open(client, serverAddress, 1024)
  expect(await healthy.request({ text: 'before' })).toMatchObject({ ok: true, reply: 'BEFORE' })

  // Bypass the client-side limit to send a frame the server must refuse.
  const oversizedStream = await client.dialProtocol(serverAddress, MESSAGES_PROTOCOL)
  const oversized = lpStream(oversizedStream)
  await oversized.write(new TextEncoder().encode(JSON.stringify({ text: 'x'.repeat(2048) })))
  await expect(oversized.read()).rejects.toThrow()
  expect(server.log.filter(line => line.startsWith('reset a stream'))).toHaveLength(1)

  expect(await healthy.request({ text: 'after' })).toMatchObject({ ok: true, reply: 'AFTER' })
  await healthy.close()
  expect(client.getConnections()).toHaveLength(1)
})

test('the client refuses to send a message over the limit', async () => {
  const server = await startTestServer()
  const client = await startClientNode()
  const session = await MessageSession.open(client, multiaddr(server.tcpAddress), 100)
  await expect(session.request({ text: 'y'.repeat(200) })).rejects.toThrow(/over the 100-byte limit/)
  await session.close()
})

test('two clients at once are both served', async () => {
  const server = await startTestServer()
  const [tcpClient, wsClient] = await Promise.all([
    runClient(readClientConfig({ SERVER_ADDR: server.tcpAddress, MESSAGES: 'from tcp' }), () => {}),
    runClient(readClientConfig({ SERVER_ADDR: server.wsAddress, MESSAGES: 'from ws' }), () => {})
  ])
  expect(tcpClient.replies).toEqual(['FROM TCP'])
  expect(wsClient.replies).toEqual(['FROM WS'])
  expect(server.log.filter(line => line.startsWith('connection from'))).toHaveLength(2)
})

test('a wrong /p2p/ peer ID fails at once with a mismatch error', async () => {
  const server = await startTestServer()
  const impostor = peerIdFromPrivateKey(await loadOrCreatePrivateKey(join(await tempDir(), 'other.key')))
  const client = await startClientNode()
  const tcpWithoutId = server.tcpAddress.replace(/\/p2p\/.*$/, '')
  await expect(dialWithRetry(client, parseServerAddress(`${tcpWithoutId}/p2p/${impostor}`), { deadlineMs: 10_000 }))
    .rejects.toThrow(/peer ID mismatch/)
})

test('an address without /p2p/ learns the peer ID from the handshake', async () => {
  const server = await startTestServer()
  const client = await startClientNode()
  const withoutPeerId = parseServerAddress(server.tcpAddress.replace(/\/p2p\/.*$/, ''))
  const { connection } = await dialWithRetry(client, withoutPeerId, { deadlineMs: 10_000 })
  expect(connection.remotePeer.toString()).toBe(server.ready.peerId)
})

test('an unreachable server fails after the deadline, having retried', async () => {
  const client = await startClientNode()
  const retries: number[] = []
  await expect(dialWithRetry(client, parseServerAddress(`/ip4/127.0.0.1/tcp/${await unusedPort()}`), {
    deadlineMs: 800,
    onRetry: attempt => retries.push(attempt)
  })).rejects.toThrow(/could not reach .* within 800 ms/)
  expect(retries.length).toBeGreaterThan(1)
})

const malformed = ['', 'not-a-multiaddr', '/ip4/999.0.0.1/tcp/1', '/ip4/127.0.0.1/udp/1']
test.each(malformed)('malformed multiaddr %j is refused before dialling', text => {
  expect(() => parseServerAddress(text)).toThrow(/malformed multiaddr/)
})

test('the key file is created with mode 0600 and gives the same peer ID again', async () => {
  const keyFile = join(await tempDir(), 'nested', 'peer.key')
  const first = peerIdFromPrivateKey(await loadOrCreatePrivateKey(keyFile))
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
  const again = peerIdFromPrivateKey(await loadOrCreatePrivateKey(keyFile))
  expect(again.toString()).toBe(first.toString())
  expect((await readFile(keyFile, 'utf8')).trim()).toMatch(/^[A-Za-z0-9+/]+=*$/)
})

test('clients over the per-host rate are reset with a clear reason, retry, and are all served', async () => {
  const server = await startTestServer({
    limits: {
      maxConnections: 100, maxPendingConnections: 100, inboundConnectionsPerSecond: 2, maxStreamsPerConnection: 8
    }
  })
  const clients = await Promise.all(Array.from({ length: 8 }, async () => startClientNode()))
  const retries: string[] = []
  const address = parseServerAddress(server.tcpAddress)
  const dials = await Promise.all(clients.map(async client => dialWithRetry(client, address, {
    deadlineMs: 30_000, onRetry: (_attempt, error) => retries.push(error.message)
  })))
  expect(dials.every(dial => dial.connection.status === 'open')).toBe(true)
  expect(retries.length).toBeGreaterThan(0)
  expect(new Set(retries)).toEqual(new Set(['the server reset the connection during the handshake (it may be at its ' +
    'connection limits: MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND)']))
  const replies = await Promise.all(clients.map(async client => {
    const session = await MessageSession.open(client, multiaddr(server.tcpAddress))
    const response = await session.request({ text: 'served' })
    await session.close()
    return response.ok ? response.reply : response.error
  }))
  expect(replies).toEqual(Array(8).fill('SERVED'))
})

test('streams of a protocol on one connection over MAX_STREAMS_PER_CONNECTION are refused, others serve', async () => {
  const server = await startTestServer({
    limits: {
      maxConnections: 100, maxPendingConnections: 100, inboundConnectionsPerSecond: 100, maxStreamsPerConnection: 4
    }
  })
  const client = await startClientNode()
  const sessions = await Promise.allSettled(Array.from({ length: 6 }, async () => {
    const session = await MessageSession.open(client, multiaddr(server.tcpAddress))
    const response = await session.request({ text: 'hi' })
    return { session, response }
  }))
  const served = sessions.filter(result => result.status === 'fulfilled')
  expect(served.length).toBe(4)
  expect(sessions.filter(result => result.status === 'rejected').length).toBe(2)
  for (const result of served) await result.value.session.close()
})

test('an echo stream over MAX_ECHO_BYTES is reset and logged; the server keeps serving', async () => {
  const server = await startTestServer({ maxEchoBytes: 64 * 1024 })
  const client = await startClientNode()
  await expect(echo(client, multiaddr(server.tcpAddress), randomBytes(1024 * 1024))).rejects.toThrow()
  const reset = /^reset an echo stream from \S+: \d+ bytes, over the 65536-byte limit$/
  expect(server.log.some(line => reset.test(line))).toBe(true)
  const small = randomBytes(1000)
  expect(Buffer.compare(await echo(client, multiaddr(server.tcpAddress), small), small)).toBe(0)
})
