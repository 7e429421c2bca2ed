// Blocks for the node's tests and the canaries: raw blocks, and a peer whose wants another has noted.
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Helia } from 'helia'

export const BITSWAP = '/ipfs/bitswap/1.2.0'

export async function rawBlock (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** Reads a block to its end: Helia 6 returns a block's bytes as a stream of chunks. */
export async function read (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0
  for await (const chunk of chunks) bytes += chunk.byteLength
  return bytes
}

/**
 * The asker wants `cids` (the holder has none yet) and connects to the holder; resolves with the fetches
 * (byte counts) once the holder has noted the wants: they go in one message with a block the holder has,
 * whose coming back proves it.
 */
export async function wantFrom (
  asker: Helia, holder: Helia, cids: CID[], signal: AbortSignal
): Promise<Array<Promise<number>>> {
  const probe = await rawBlock('held already')
  await holder.blockstore.put(probe.cid, probe.bytes)
  const fetches = cids.map(async cid => read(asker.blockstore.get(cid, { signal })))
  for (const fetch of fetches) fetch.catch(() => undefined) // a fetch nobody awaits may fail unheard
  const probed = read(asker.blockstore.get(probe.cid, { signal }))
  await asker.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!)
  await probed
  return fetches
}
