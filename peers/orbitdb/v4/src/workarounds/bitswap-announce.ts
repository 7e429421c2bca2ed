// Workaround (always on): a block is stored even when Bitswap fails to send it to a peer that wanted it.
// The bug: before Helia 6 stores a new block, Bitswap 3 (@helia/bitswap) sends it to the peers whose
// want-lists name it; a send to a peer that is going away rejects, the put rejects, and the block is not
// stored. What this node stores must not depend on its peers, so a failed send is the receiving peer's loss
// only: `announce` swallows its error. Found by the load case (scripts/bench/NOTES.md: a v2 writer crashed on
// a put that failed). Canary: test/workarounds.test.ts.
import type { bitswap } from '@helia/block-brokers'

type BitswapFactory = ReturnType<typeof bitswap>

export function storeEvenIfSendingFails (createBroker: BitswapFactory): BitswapFactory {
  return components => {
    const broker = createBroker(components)
    const announce = broker.announce?.bind(broker)
    if (announce !== undefined) {
      broker.announce = async (cid, options) => { await announce(cid, options).catch(() => {}) }
    }
    return broker
  }
}
