// Canaries for src/workarounds/: each shows the upstream bug with the workaround off, so the day upstream
// fixes it this fails and says which file to remove. (src/workarounds/kubo-empty-block.ts needs a Kubo
// binary to show its bug: the interop tier fetches a directory holding an empty file from Kubo.)
import { createVerifiedFetchWithHelia } from '@helia/verified-fetch'
import { lpStream, streamPair } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { createNode } from '../src/node.ts'
import { boundedLength } from '../src/workarounds/bounded-length.ts'

async function nodeWithBlock () {
  const helia = await createNode()
  onCleanup('node stop()', () => helia.stop())
  const bytes = new TextEncoder().encode('a block\n')
  const cid = CID.createV1(raw.code, await sha256.digest(bytes))
  await helia.blockstore.put(cid, bytes)
  return { helia, cid }
}

test('Helia\'s blockstore cannot delete a block on a node without content routers (local-delete.ts)', async () => {
  const { helia, cid } = await nodeWithBlock()
  const error = await Promise.resolve(helia.blockstore.delete(cid)).then(() => undefined, (err: Error) => err)
  expect(error?.name, 'upstream fixed Helia\'s delete without routers: remove src/workarounds/local-delete.ts')
    .toBe('NoContentRoutersError')
  await helia.localBlockstore.delete(cid)
  expect(await helia.localBlockstore.has(cid)).toBe(false)
})

test('verified-fetch answers a CAR without X-Ipfs-Roots (car-etag.ts)', async () => {
  const { helia, cid } = await nodeWithBlock()
  const verifiedFetch = await createVerifiedFetchWithHelia(helia)
  onCleanup('verified-fetch stop()', () => verifiedFetch.stop())
  const response = await verifiedFetch(`ipfs://${cid}`, {
    headers: { accept: 'application/vnd.ipld.car; order=dfs; dups=n', 'cache-control': 'only-if-cached' }
  })
  await response.body?.cancel()
  expect(response.status).toBe(200)
  expect(response.headers.get('x-ipfs-roots'), 'upstream fixed CAR headers: remove src/workarounds/car-etag.ts')
    .toBeNull()
})

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
