// Workaround (always on): a block is stored even when Bitswap fails to send it to a peer that wanted it.
// The bug: before Helia 4 stores a new block, Bitswap 1.x (@helia/block-brokers 3) sends it to the peers whose
// want-lists name it; a send to a peer that is going away rejects, the put rejects, and the block is not
// stored (an OrbitDB entry lost). What this node stores must not depend on its peers, so a failed send is the
// receiving peer's loss only: `announce` swallows its error. Found by the load case (scripts/bench/NOTES.md:
// a writer crashed on a put that failed). Canary: test/workarounds.test.ts; test/node.test.ts stores both.
import type { bitswap } from '@helia/block-brokers'

type BitswapFactory = ReturnType<typeof bitswap>

export function storeEvenIfSendingFails (createBroker: BitswapFactory): BitswapFactory {
  return components => {
    const broker = createBroker(components)
    const announce = broker.announce?.bind(broker)
    if (announce !== undefined) {
      broker.announce = async (cid, block, options) => { await announce(cid, block, options).catch(() => {}) }
    }
    return broker
  }
}
