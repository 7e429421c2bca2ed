// Workaround (always on): the server stores and deletes blocks for the hosting protocol past Helia's
// blockstore, straight in the LevelDB one, so neither touches Bitswap nor waits on reads. No canary yet: both
// are how Helia 4 behaves, not a bug filed upstream.
// Why: (1) a put through helia.blockstore first has Bitswap send the block to the peers that want it: none
// does (its writer pushed it), so that is work for nothing, on the server's busiest path.
// (2) helia.blockstore.delete waits for every read under way, a Bitswap fetch (up to 30 s) included:
// deleting the blocks a refused or partly taken push left (src/replication.ts `collect`) stalled the answer.
import type { CID } from 'multiformats/cid'

export interface QuietBlocks {
  /** Stores a block pushed by a peer without ending Bitswap's wants for it. */
  storeQuietly: (cid: CID, bytes: Uint8Array) => Promise<void>
  /** Deletes an unpinned block without waiting for the reads under way. */
  deleteQuietly: (cid: CID) => Promise<void>
}

export function quietBlocks (
  blockstore: { put: (cid: CID, bytes: Uint8Array) => Promise<unknown>, delete: (cid: CID) => Promise<unknown> },
  pins: { isPinned: (cid: CID) => Promise<boolean> }
): QuietBlocks {
  return {
    storeQuietly: async (cid, bytes) => { await blockstore.put(cid, bytes) },
    deleteQuietly: async cid => { if (!await pins.isPinned(cid)) await blockstore.delete(cid) }
  }
}
