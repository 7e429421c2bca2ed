// Workaround (always on): the server stores and deletes blocks for the hosting protocol past Helia's
// blockstore, straight in the LevelDB one, so neither touches Bitswap's own wants nor waits on reads; a
// block stored that way is then offered to the peers whose want-lists name it, as a put through Helia would.
// The bugs: (1) helia.blockstore.delete waits for every read under way, a Bitswap fetch (up to 30 s) included
// (Helia 4 and 6): deleting the blocks a refused or partly taken push left (replication.ts `collect`) stalled
// the answer. (2) Helia 6 only: through helia.blockstore.put, Bitswap 3.2 takes a stored block as the end of any
// want for it and cancels that want without answering who was waiting: a fetch under way for the same entry
// (OrbitDB's own heads exchange) then waited out its 30 s timeout (scripts/bench/NOTES.md, "the OrbitDB v4 host,
// round two"). Bitswap's peers' want-lists are reached past the block broker, which keeps its Bitswap to itself.
// Canaries: each example's test/workarounds.test.ts; its test/node.test.ts shows a stored block reaching askers.
import type { CID } from 'multiformats/cid'

export interface QuietBlocks {
  /** Stores a block pushed by a peer without ending Bitswap's wants for it, and sends it to peers that asked. */
  storeQuietly: (cid: CID, bytes: Uint8Array) => Promise<void>
  /** Deletes an unpinned block without waiting for the reads under way. */
  deleteQuietly: (cid: CID) => Promise<void>
}

/** @helia/bitswap's want-lists of its peers (its Bitswap's `peerWantLists`). */
interface PeerWantLists { receivedBlock: (cid: CID, options: object) => Promise<void> }

/** Wraps the Bitswap broker to keep its peers' want-lists; `offer` sends them a block stored past Helia. */
export function peerWants<C, B> (createBroker: (components: C) => B): {
  createBroker: (components: C) => B, offer: (cid: CID) => Promise<void>
} {
  let lists: PeerWantLists | undefined
  return {
    createBroker: components => {
      const broker = createBroker(components)
      lists = (broker as unknown as { bitswap?: { peerWantLists?: PeerWantLists } }).bitswap?.peerWantLists
      if (typeof lists?.receivedBlock !== 'function') {
        const see = 'see quiet-blockstore.ts in @ipfs-liftoff/orbitdb-hosting'
        throw new Error(`Bitswap keeps its peers' want-lists elsewhere now: ${see}`)
      }
      return broker
    },
    // a failed send is that peer's loss only (as each example's src/workarounds/bitswap-announce.ts)
    offer: async cid => { await lists?.receivedBlock(cid, {}).catch(() => {}) }
  }
}

export function quietBlocks (
  blockstore: { put: (cid: CID, bytes: Uint8Array) => Promise<unknown>, delete: (cid: CID) => Promise<unknown> },
  pins: { isPinned: (cid: CID) => Promise<boolean> },
  offer: (cid: CID) => Promise<void>
): QuietBlocks {
  return {
    storeQuietly: async (cid, bytes) => {
      await blockstore.put(cid, bytes)
      await offer(cid)
    },
    deleteQuietly: async cid => { if (!await pins.isPinned(cid)) await blockstore.delete(cid) }
  }
}
