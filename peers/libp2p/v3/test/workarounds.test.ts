// Canaries for src/workarounds/: each shows the upstream behaviour with its workaround off, so it fails the day
// upstream changes it (then remove the workaround), and that the workaround does its job.
import { lpStream } from '@libp2p/utils'
import { expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { createNode } from '../src/node.ts'
import { boundedLength } from '../src/workarounds/bounded-length.ts'
import { startClientNode } from './fixtures.ts'

const PROTOCOL = '/liftoff/canary/1.0.0'
const MAX_BYTES = 64 * 1024

/** How a server's first `lpStream` read ends when a peer sends 64 bytes of 0xff (an endless varint) and closes. */
async function endlessVarint (bounded: boolean): Promise<string> {
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  onCleanup('canary server stop()', () => server.stop())
  const { promise, resolve } = Promise.withResolvers<string>()
  await server.handle(PROTOCOL, async stream => {
    const lengthDecoder = bounded ? boundedLength(MAX_BYTES) : undefined
    const frames = lpStream(stream, { maxDataLength: MAX_BYTES, lengthDecoder })
    // a bound, not a wait: both outcomes come as soon as the bytes (or the close) arrive
    resolve(await frames.read({ signal: AbortSignal.timeout(10_000) }).then(() => 'a frame', (err: Error) => err.name))
    stream.abort(new Error('canary done'))
  })
  const client = await startClientNode()
  const stream = await client.dialProtocol(server.getMultiaddrs()[0]!, PROTOCOL)
  stream.send(new Uint8Array(64).fill(0xff))
  await stream.close().catch(() => {})
  return await promise
}

test('canary: lpStream leaves a length prefix that never decodes unbounded (bounded-length.ts)', async () => {
  // all 64 bytes buffered as one growing prefix: the read ends only when the peer closes
  expect(await endlessVarint(false), 'upstream fixed lpStream\'s unbounded length prefix: ' +
    'remove src/workarounds/bounded-length.ts').toBe('UnexpectedEOFError')
})

test('with bounded-length.ts, an endless varint is refused as soon as it is too long', async () => {
  expect(await endlessVarint(true)).toBe('InvalidDataLengthLengthError')
})
