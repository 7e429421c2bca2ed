// Workaround: deleting a block through Helia's blockstore throws NoContentRoutersError on a node that has no
// content routers, as this example's nodes (helia 7.1: its delete first asks the routers to stop announcing).
// What it does: keeps the node's own blockstore beside Helia's, as `localBlockstore`, so the pinning
// protocol can remove the blocks of a refused or failed pin (src/pinning.ts).
// Needed for correctness: on by default. Canary: test/workarounds.test.ts.
export function withLocalBlockstore<Node extends object, Store> (helia: Node, blockstore: Store) {
  return Object.assign(helia, { localBlockstore: blockstore })
}
