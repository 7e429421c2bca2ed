// Workaround (always on): the server stores and deletes blocks for the hosting protocol past Helia's
// blockstore, straight in the LevelDB one, so neither touches Bitswap's wants nor waits on reads.
// The bugs: (1) through helia.blockstore.put, Bitswap 3.2 takes a stored block as the end of any want for
// it and cancels that want without answering who was waiting: a fetch under way for the same entry (OrbitDB's
// own heads exchange) then waited out its 30 s timeout (scripts/bench/NOTES.md, "the OrbitDB v4 host, round
// two"). (2) helia.blockstore.delete waits for every read under way, a Bitswap fetch (up to 30 s) included:
// deleting the blocks a refused or partly taken push left (src/replication.ts `collect`) stalled the answer.
// Canaries: test/workarounds.test.ts.
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
