// Workaround: Kubo never sends the empty block, so a directory holding an empty file never arrives from it.
// Upstream: Kubo's bitswap server (boxo 0.43) takes a block size of 0 for "not found" and answers DONT_HAVE.
// What it does: every node starts with the empty raw block under each hash it knows. Its bytes are known
// and checked against its CID like any block, so nobody needs to send it.
// Needed to fetch such directories from Kubo: on by default. Canary: the interop tier (needs a Kubo binary).
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats'

type Store = { put: (cid: CID, bytes: Uint8Array) => unknown }

export async function storeEmptyBlocks (blockstore: Store, hashers: MultihashHasher[]): Promise<void> {
  for (const hasher of [sha256, ...hashers]) {
    await blockstore.put(CID.createV1(raw.code, await hasher.digest(new Uint8Array(0))), new Uint8Array(0))
  }
}
