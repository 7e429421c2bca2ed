// Workaround: Kubo never sends the empty block, so a result holding an empty file (a job's empty stderr, say)
// never arrives from it. Upstream: Kubo's bitswap server (boxo 0.43, Kubo v0.43.0) takes a block size of 0 for
// "not found" and answers DONT_HAVE. What it does: every node starts with the empty raw block under each hash
// it knows; its bytes are known and checked against its CID like any block, so nobody needs to send it.
// Effect: real Bacalhau's ipfs-published results (with their empty stderr) arrive; without it the fetch waits
// until its deadline. Needed for correctness: on. Canary: needs a Kubo binary, so it belongs to the interop tier.
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats'

export async function storeEmptyBlocks (
  blockstore: { put: (cid: CID, bytes: Uint8Array) => unknown }, hashers: MultihashHasher[]
): Promise<void> {
  for (const hasher of [sha256, ...hashers]) {
    await blockstore.put(CID.createV1(raw.code, await hasher.digest(new Uint8Array(0))), new Uint8Array(0))
  }
}
