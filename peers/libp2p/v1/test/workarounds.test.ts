// Canaries: each test shows an upstream bug that a file in src/workarounds/ answers, with the workaround off,
// so it fails the day the pinned upstream is fixed and the workaround can go. Each also shows the workaround
// on, for contrast.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Connection } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { lpStream } from 'it-length-prefixed-stream'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { expect, test } from 'vitest'
import { createNode } from '../src/node.ts'
import { boundedLength } from '../src/workarounds/bounded-length-prefix.ts'
import { connectionMonitor } from '../src/workarounds/ping-timeout.ts'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'

const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/** A bare node whose connection monitor pings every 500 ms, with `monitor`'s settings on top. */
async function monitoringNode (monitor: Libp2pOptions['connectionMonitor']) {
  const node = await createLibp2p({
    transports: [tcp()],
    connectionEncryption: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { ...monitor, pingInterval: 500 }
  })
  onCleanup('monitoring node stop()', () => node.stop())
  return node
}

async function closed (connection: Connection, node: Awaited<ReturnType<typeof monitoringNode>>, withinMs: number) {
  const { promise, resolve } = Promise.withResolvers<boolean>()
  node.addEventListener('connection:close', ({ detail }) => { if (detail.id === connection.id) resolve(true) })
  const timer = setTimeout(() => resolve(false), withinMs)
  try {
    return await promise
  } finally {
    clearTimeout(timer)
  }
}

test('libp2p 1.9\'s connection monitor aborts a connection whose ping goes unanswered for 2 s ' +
  '(src/workarounds/ping-timeout.ts keeps it)', async () => {
  // a server that takes ping streams and never answers them, as a busy one seems to
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  onCleanup('server stop()', () => server.stop())
  await server.unhandle(PING_PROTOCOL)
  await server.handle(PING_PROTOCOL, () => {}, { maxInboundStreams: 1000 })
  const [without, withWorkaround] = await Promise.all([monitoringNode(undefined), monitoringNode(connectionMonitor)])
  const address = server.getMultiaddrs()[0]!
  const [plain, kept] = await Promise.all([without.dial(address), withWorkaround.dial(address)])
  const started = performance.now()
  expect(await closed(plain, without, 10_000),
    'upstream fixed the connection monitor\'s fixed 2 s ping timeout: remove src/workarounds/ping-timeout.ts')
    .toBe(true)
  expect(performance.now() - started).toBeLessThan(5_000)
  expect(kept.status).toBe('open')
})

/** A duplex whose peer sends 32 bytes of 0xff (a length prefix that never ends) and then nothing. */
function neverEndingPrefix () {
  const { promise: ended, resolve: end } = Promise.withResolvers<void>()
  onCleanup('end the duplex', () => end())
  return {
    source: (async function * () {
      yield new Uint8Array(32).fill(0xff)
      await ended
    })(),
    sink: async (source: AsyncIterable<unknown>) => {
      for await (const chunk of source) expect(chunk).toBeDefined()
    }
  }
}

test('it-length-prefixed-stream keeps reading a length prefix that never ends until the deadline ' +
  '(src/workarounds/bounded-length-prefix.ts refuses it at once)', async () => {
  const maxDataLength = 64 * 1024
  const plain = lpStream(neverEndingPrefix(), { maxDataLength })
  const error = await plain.read({ signal: AbortSignal.timeout(300) }).then(() => undefined, (err: Error) => err)
  expect(error?.name, 'upstream fixed the unbounded length prefix: remove src/workarounds/bounded-length-prefix.ts')
    .toBe('AbortError')

  const bounded = lpStream(neverEndingPrefix(), { maxDataLength, lengthDecoder: boundedLength(maxDataLength) })
  const started = performance.now()
  await expect(bounded.read({ signal: AbortSignal.timeout(10_000) }))
    .rejects.toMatchObject({ name: 'InvalidDataLengthLengthError' })
  expect(performance.now() - started).toBeLessThan(1_000)
})
