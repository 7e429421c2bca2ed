// The IPFS node OrbitDB runs on: Helia 6 over libp2p 3 with gossipsub (OrbitDB announces new entries on a
// topic per database) and identify, over TCP and WebSockets. Blocks and the datastore are LevelDB under the
// data dir, so databases reopen with all their entries after a restart.
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
import { storeEvenIfSendingFails } from './workarounds/bitswap-announce.ts'
import { peerWants, quietBlocks } from '@ipfs-liftoff/orbitdb-hosting/server'
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'

export interface NodeOptions {
  dataDir: string
  privateKey?: PrivateKey
  listen?: string[]
  announce?: string[]
  /** Find the other peers of the app by topic (src/peer.ts); no peer discovery when omitted. */
  discovery?: TopicDiscovery
  /** Connection limits (a server's: src/run/config.ts); libp2p's defaults when omitted. */
  connectionManager?: {
    maxConnections: number, maxIncomingPendingConnections: number, inboundConnectionThreshold: number
  }
  /** libp2p's own metrics (connections, data by protocol, gossipsub) go into this registry. */
  metricsRegistry?: Registry
  /** Bitswap's settings over its defaults (src/tuned/bitswap.ts has the tuned ones). */
  bitswap?: Parameters<typeof bitswap>[0]
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

/** Each peer publishes its ID and addresses on the topic every second; no DHT, public bootstrap list or mDNS. */
function topicDiscovery ({ bootstrap: list, topic, listenOnly }: TopicDiscovery) {
  return [
    ...list.length === 0 ? [] : [bootstrap({ list, timeout: 0 })],
    pubsubPeerDiscovery({ topics: [topic], interval: 1000, listenOnly })
  ]
}
// #endregion

// #region node
export async function createNode (options: NodeOptions) {
  const datastore = new LevelDatastore(join(options.dataDir, 'datastore'))
  const blockstore = new LevelBlockstore(join(options.dataDir, 'blocks'))
  await datastore.open()
  await blockstore.open()
  const registry = options.metricsRegistry
  const libp2p = await createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen ?? [], announce: options.announce ?? [] },
    // WebSockets for the browser app (web/), which cannot dial TCP
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one; the server's counters in it are left alone
    metrics: registry === undefined ? undefined : prometheusMetrics({ registry, preserveExistingMetrics: true }),
    peerDiscovery: options.discovery === undefined ? [] : topicDiscovery(options.discovery),
    services: {
      identify: identify(),
      // OrbitDB publishes every write, with or without subscribed peers. Scoring by shared IP would ignore
      // the 15th writer behind one address (compose, NAT, loopback); the access controller vets writers.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
    }
  })
  // Bitswap resends a block at once when asked again: a server deletes blocks it took but did not keep
  const blocks = peerWants(storeEvenIfSendingFails(bitswap({ doNotResendBlockWindow: 0, ...options.bitswap })))
  // Only Bitswap and the libp2p router: Helia's defaults would add public gateways and delegated routing.
  const helia = await createHelia({
    libp2p, blockstore, datastore, blockBrokers: [blocks.createBroker], routers: [libp2pRouting(libp2p)]
  })
  // helia.stop() leaves the stores it was given open, and LevelDB's lock would refuse the next start
  const stopHelia = helia.stop.bind(helia)
  helia.stop = async () => {
    await stopHelia()
    await blockstore.close()
    await datastore.close()
  }
  return Object.assign(helia, quietBlocks(blockstore, helia.pins, blocks.offer))
}
// #endregion

export type Node = Awaited<ReturnType<typeof createNode>>
