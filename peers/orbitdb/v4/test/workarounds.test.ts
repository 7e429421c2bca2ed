// Canaries for src/workarounds/: each shows the upstream bug with the workaround OFF, so it fails the day
// upstream fixes it, and the workaround can go.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'
import { expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { BITSWAP, rawBlock, read, wantFrom } from './blocks.ts'

/** Helia with Bitswap as upstream ships it, in memory: no workaround. */
async function plainHelia (listen: string[] = []) {
  const libp2p = await createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const helia = await createHelia({ libp2p, blockBrokers: [bitswap()], routers: [libp2pRouting(libp2p)] })
  onCleanup('helia stop()', async () => helia.stop())
  return helia
}

/** Whether `work` resolved. */
async function succeeds (work: () => unknown): Promise<boolean> {
  try {
    await work()
    return true
  } catch {
    return false
  }
}

test('canary: Bitswap still fails a put when sending the block to a peer that wanted it fails', async () => {
  const holder = await plainHelia(['/ip4/127.0.0.1/tcp/0'])
  const asker = await plainHelia()
  const [first, second] = await Promise.all([rawBlock('first'), rawBlock('second')])
  const wanting = new AbortController()
  onCleanup('wants aborted', () => wanting.abort())
  await wantFrom(asker, holder, [first.cid, second.cid], wanting.signal)
  await asker.libp2p.unhandle(BITSWAP) // as a peer that is hanging up: sends to it now fail
  const put = async ({ cid, bytes }: { cid: CID, bytes: Uint8Array }) => {
    return succeeds(() => holder.blockstore.put(cid, bytes))
  }
  const stored = await put(first) && await put(second)
  expect(stored, 'upstream fixed a put failing with a send: remove src/workarounds/bitswap-announce.ts').toBe(false)
})

test('canary: storing a block through Helia still ends a fetch of it under way without answering', async () => {
  const holder = await plainHelia(['/ip4/127.0.0.1/tcp/0'])
  const asker = await plainHelia()
  await asker.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!)
  const block = await rawBlock('pushed while fetched')
  // a fetch under way (OrbitDB's own replication), then the same block stored (a peer pushed it)
  const fetching = read(asker.blockstore.get(block.cid, { signal: AbortSignal.timeout(3000) }))
  await asker.blockstore.put(block.cid, block.bytes)
  const answered = await fetching.then(() => true, () => false)
  const fixed = 'upstream fixed a stored block ending wants unanswered: ' +
    'remove storeQuietly from quiet-blockstore.ts in @ipfs-liftoff/orbitdb-hosting'
  expect(answered, fixed).toBe(false)
})

test('canary: deleting through Helia still waits for a fetch under way', async () => {
  const helia = await plainHelia()
  const [kept, missing] = await Promise.all([rawBlock('deleted'), rawBlock('fetched, never found')])
  await helia.blockstore.put(kept.cid, kept.bytes)
  const order: string[] = []
  const fetching = read(helia.blockstore.get(missing.cid, { signal: AbortSignal.timeout(2000) }))
    .catch(() => undefined).then(() => order.push('fetch ended'))
  await read(helia.blockstore.get(kept.cid)) // a read after it is done: the fetch holds its read lock
  await succeeds(() => helia.blockstore.delete(kept.cid)) // then fails: no content routers to tell
  order.push('deleted')
  await fetching
  const fixed = 'upstream fixed delete waiting for reads: ' +
    'remove deleteQuietly from quiet-blockstore.ts in @ipfs-liftoff/orbitdb-hosting'
  expect(order, fixed).toEqual(['fetch ended', 'deleted'])
})
