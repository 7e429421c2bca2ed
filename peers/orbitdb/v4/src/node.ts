// The IPFS node OrbitDB runs on: Helia 6 over a libp2p 3 node with gossipsub (OrbitDB announces new
// entries on a pubsub topic per database) and identify, over TCP and WebSockets. Blocks and the
// datastore are LevelDB under the data dir, so databases reopen with all their entries after a restart. Peers
// that should find each other without the server (src/peer.ts) add discovery by topic.
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Registry } from 'prom-client'

export interface NodeOptions {
  dataDir: string
  privateKey?: PrivateKey
  listen?: string[]
  announce?: string[]
  /** Find the other peers of the app by topic (src/peer.ts); no peer discovery when omitted. */
  discovery?: TopicDiscovery
  /** Connection limits (see src/config.ts); libp2p's defaults when omitted. */
  connectionManager?: { maxConnections: number, maxIncomingPendingConnections: number, inboundConnectionThreshold: number }
  /** libp2p's own metrics (connections, data by protocol, gossipsub, Node's process) go into this registry. */
  metricsRegistry?: Registry
}

// #region discovery
export interface TopicDiscovery {
  /** Peers to join through, each `…/p2p/<peer id>`: they relay the topic. */
  bootstrap: string[]
  /** Peers of one app share it, and only they hear of each other on it. */
  topic: string
  /** Relay the topic and listen, never announce this node (a bootstrap peer that is not one of the app's peers). */
  listenOnly?: boolean
}

/**
 * Every second each peer publishes its ID and addresses on the topic (@libp2p/pubsub-peer-discovery over the
 * gossipsub OrbitDB already uses); the others hear it through whoever they are connected to (at first, the
 * bootstrap peer) and can then dial it directly. No DHT, no public bootstrap list, no mDNS.
 */
function topicDiscovery ({ bootstrap: list, topic, listenOnly }: TopicDiscovery) {
  return [
    ...list.length === 0 ? [] : [bootstrap({ list, timeout: 0 })],
    pubsubPeerDiscovery({ topics: [topic], interval: 1000, listenOnly })
  ]
}
// #endregion

export async function createNode (options: NodeOptions) {
  const datastore = new LevelDatastore(join(options.dataDir, 'datastore'))
  const blockstore = new LevelBlockstore(join(options.dataDir, 'blocks'))
  await datastore.open()
  await blockstore.open()
  const libp2p = await createLibp2p({
    privateKey: options.privateKey,
    // The datastore stays Helia's: Helia 6 and libp2p 3.3 type theirs against different interface-datastore
    // majors, and OrbitDB needs nothing of libp2p's peer store across restarts.
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    // WebSockets for the browser app (web/), which cannot dial TCP
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and leave the server's counters in it alone
    metrics: options.metricsRegistry === undefined ? undefined : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    peerDiscovery: options.discovery === undefined ? [] : topicDiscovery(options.discovery),
    services: {
      identify: identify(),
      // OrbitDB publishes every write; with no subscribed peer yet (offline, or first) that must not throw.
      // Gossipsub's scoring penalises peers that share an IP address beyond 10 of them, and past about 14 it
      // ignores them all, subscriptions included: the 15th writer behind one address (a compose network, a
      // NAT, loopback) then never syncs, and nothing says why. Writers are vetted by the access controller.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
    }
  })
  // Only bitswap and the libp2p router: Helia's defaults would add public HTTP gateways and delegated routing.
  // Bitswap waits 10 ms after each want before sending the want-list, by default; a replica fetching a log
  // entry by entry paid that on every round trip. And it sends a block to a peer at most once in 5 s: a
  // server that deleted a block it fetched from this peer (refusing a request, src/host-policy.ts, or after
  // a join that did not take it) then waited out its 30 s timeout asking for it again.
  const helia = await createHelia({ libp2p, blockstore, datastore, blockBrokers: [storeEvenIfSendingFails(bitswap({ sendWantlistDebounce: 0, doNotResendBlockWindow: 0 }))], routers: [libp2pRouting(libp2p)] })
  // helia.stop() does not close LevelDB stores; until closed they hold a lock that a reopen would hit.
  const stopHelia = helia.stop.bind(helia)
  helia.stop = async () => {
    await stopHelia()
    await blockstore.close()
    await datastore.close()
  }
  // Blocks a peer pushed (src/replication.ts) go straight into the store. Through helia.blockstore, Bitswap
  // 3.2 would take a stored block as the end of any want for it and cancel that want without answering who
  // was waiting: a fetch already under way for the same entry then waits out its 30 s timeout.
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
    if (announce !== undefined) broker.announce = async (cid, options) => { await announce(cid, options).catch(() => {}) }
    return broker
  }
}

export type Node = Awaited<ReturnType<typeof createNode>>
