// Upstream: @helia/block-brokers 3.x (Bitswap 1.x, Helia 4). Before Helia stores a new block, Bitswap sends
// it to the peers that wanted it; a send to a peer that is going away rejects, and the put fails with the
// block not stored. What this node stores must not depend on its peers.
// What it does: wraps the broker's `announce` so a failed send is the receiving peer's loss only.
// Effect: correctness, not speed (test/node.test.ts stores both blocks; without it the second put throws).
// Canary: test/workarounds.test.ts fails once upstream stores the block whatever the send does.
import type { bitswap } from '@helia/block-brokers'

export function storeEvenIfSendingFails (createBroker: ReturnType<typeof bitswap>): ReturnType<typeof bitswap> {
  return components => {
    const broker = createBroker(components)
    const announce = broker.announce?.bind(broker)
    if (announce !== undefined) {
      broker.announce = async (cid, block, options) => { await announce(cid, block, options).catch(() => {}) }
    }
    return broker
  }
}
