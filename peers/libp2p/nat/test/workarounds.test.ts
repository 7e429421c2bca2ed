// Canaries for src/workarounds/: each shows the upstream bug with the workaround off, so it fails (and says
// which file to remove) the day upstream fixes it; and that the workaround answers it.
import { lpStream, streamPair } from '@libp2p/utils'
import { expect, test } from 'vitest'
import { boundedLength } from '../src/workarounds/bounded-length.ts'

const MAX = 1024
/** How long a read may wait for a length prefix that never ends: the bug is a read that waits this out. */
const WAIT_MS = 1000

/** Sends a length prefix that never ends (0xff bytes) and reads it; the error's name. */
async function readEndlessPrefix (lengthDecoder?: ReturnType<typeof boundedLength>): Promise<string> {
  const [outbound, inbound] = await streamPair()
  outbound.send(new Uint8Array(16).fill(0xff))
  const frames = lpStream(inbound, { maxDataLength: MAX, lengthDecoder })
  return await frames.read({ signal: AbortSignal.timeout(WAIT_MS) }).then(() => 'read', (err: Error) => err.name)
}

test('lpStream waits out a length prefix that never ends (bounded-length.ts refuses it at once)', async () => {
  expect(await readEndlessPrefix(), 'upstream fixed lpStream\'s unbounded length prefix: ' +
    'remove src/workarounds/bounded-length.ts').toBe('TimeoutError')
  const started = performance.now()
  expect(await readEndlessPrefix(boundedLength(MAX))).toBe('InvalidDataLengthLengthError')
  expect(performance.now() - started).toBeLessThan(WAIT_MS)
})
