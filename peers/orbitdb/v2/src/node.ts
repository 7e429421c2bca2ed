// The IPFS node OrbitDB runs on: Helia 4 over a libp2p 1.9 node with gossipsub (OrbitDB announces new
// entries on a pubsub topic per database) and identify, TCP only, no peer discovery. Blocks and the
// datastore are LevelDB under the data dir, so databases reopen with all their entries after a restart.
import { join } from 'node:path'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { identify } from '@libp2p/identify'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Registry } from 'prom-client'

export interface NodeOptions {
  dataDir: string
  peerId?: PeerId
  listen?: string[]
  announce?: string[]
  /** Connection limits (see src/config.ts); libp2p's defaults when omitted. */
  connectionManager?: { maxConnections: number, maxIncomingPendingConnections: number, inboundConnectionThreshold: number }
  /** libp2p's own metrics (connections, data by protocol, gossipsub, Node's process) go into this registry. */
  metricsRegistry?: Registry
}

export async function createNode (options: NodeOptions) {
  const datastore = new LevelDatastore(join(options.dataDir, 'datastore'))
  const blockstore = new LevelBlockstore(join(options.dataDir, 'blocks'))
  await datastore.open()
  await blockstore.open()
  const libp2p = await createLibp2p({
    peerId: options.peerId,
    datastore,
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    transports: [tcp()],
    connectionEncryption: [noise()],
    streamMuxers: [yamux()],
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and leave the server's counters in it alone
    metrics: options.metricsRegistry === undefined ? undefined : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    // libp2p 1.9 pings every connection every 10 s and aborts it when a ping takes over 2 s (its adaptive
    // timeout never adapts in 1.9): a server busy joining entries cut off writers awaiting it. Allow 30 s.
    connectionMonitor: { pingTimeout: { minTimeout: 30_000 } },
    services: {
      identify: identify(),
      // OrbitDB publishes every write; with no subscribed peer yet (offline, or first) that must not throw.
      // Gossipsub's scoring penalises peers that share an IP address beyond 10 of them, and past about 14 it
      // ignores them all, subscriptions included: the 15th writer behind one address (a compose network, a
      // NAT, loopback) then never syncs, and nothing says why. Writers are vetted by the access controller.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
    }
  })
  // Bitswap 1.x waits 10 ms after each want before sending the want-list; a replica fetching a log entry by
  // entry paid that on every round trip. Its WantList reads this option, though 1.x's types do not declare it.
  const bitswapOptions: NonNullable<Parameters<typeof bitswap>[0]> & { sendMessagesDelay: number } = { sendMessagesDelay: 0 }
  // Only bitswap and the libp2p router: Helia's defaults would add public HTTP gateways and delegated routing.
  const helia = await createHelia({ libp2p, blockstore, datastore, blockBrokers: [storeEvenIfSendingFails(bitswap(bitswapOptions))], routers: [libp2pRouting(libp2p)] })
  // helia.stop() does not close LevelDB stores; until closed they hold a lock that a reopen would hit.
  const stopHelia = helia.stop.bind(helia)
  helia.stop = async () => {
    await stopHelia()
    await blockstore.close()
    await datastore.close()
  }
  // Blocks a peer pushed (src/replication.ts) go straight into the store, as the v4 example's do: Bitswap
  // needs to hear of nothing (no peer wants an entry before its writer pushes it), and a put through
  // helia.blockstore would first tell every peer that wants it.
  // Blocks stored for a peer that no join took are deleted the same way (src/replication.ts `collect`):
  // helia.blockstore.delete waits for every read under way, a Bitswap fetch (up to 30 s) included.
  return Object.assign(helia, {
    storeQuietly: async (cid: CID, bytes: Uint8Array): Promise<void> => { await blockstore.put(cid, bytes) },
    deleteQuietly: async (cid: CID): Promise<void> => { if (!await helia.pins.isPinned(cid)) await blockstore.delete(cid) }
  })
}

/**
 * Before Helia stores a new block, Bitswap sends the peers that want blocks this node now holds what they
 * wanted; a send to a peer that is going away rejects, and the put fails with the block not stored. What
 * this node stores must not depend on its peers: a failed send is the receiving peer's loss only.
 */
function storeEvenIfSendingFails (createBroker: ReturnType<typeof bitswap>): ReturnType<typeof bitswap> {
  return components => {
    const broker = createBroker(components)
    const announce = broker.announce?.bind(broker)
    if (announce !== undefined) broker.announce = async (cid, block, options) => { await announce(cid, block, options).catch(() => {}) }
    return broker
  }
}

export type Node = Awaited<ReturnType<typeof createNode>>
