// A Helia 7 node that finds peers and content through a Kademlia DHT and nothing else: createHeliaLight
// (no default routers: no public delegated routing, no HTTP gateways) + libp2p with @libp2p/kad-dht as its
// only content and peer routing, bootstrapped from the peers you name (never the public list), + bitswap.
// Servers answer DHT queries and keep records for others (server mode); clients only ask (client mode).
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { ipns } from '@helia/ipns'
import { withLibp2pLight } from '@helia/libp2p'
import { bootstrap } from '@libp2p/bootstrap'
import { identify } from '@libp2p/identify'
import { kadDHT, removePrivateAddressesMapper, removePublicAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { ipnsSelector } from 'ipns/selector'
import { ipnsValidator } from 'ipns/validator'
import type { PrivateKey } from '@libp2p/interface'
import type { DhtNetwork } from './config.ts'

// #region dht
/** The protocol Kubo speaks for each of its DHTs, and the addresses each one keeps. */
export const DHT_PROTOCOLS: Record<DhtNetwork, string> = { lan: '/ipfs/lan/kad/1.0.0', wan: '/ipfs/kad/1.0.0' }

export interface RoutingNodeOptions {
  /** Answer queries and hold records (a server), or only ask (a client). */
  mode: 'server' | 'client'
  network: DhtNetwork
  listen: string[]
  announce?: string[]
  /** Peers to join through, each `…/p2p/<peer id>`. */
  bootstrap: string[]
  /** How often to announce again what this node provides, and to drop expired records it keeps for others. */
  reprovideIntervalMs?: number
  /** How long a provider record stays valid, for the records this node keeps. */
  provideValidityMs?: number
  /** Keep blocks and pins on disk under this directory; in memory without one. */
  dataDir?: string
  /** The node's identity; a new one when omitted. */
  privateKey?: PrivateKey
}

export async function createRoutingNode (options: RoutingNodeOptions) {
  const { blockstore, datastore } = await stores(options.dataDir)
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
    privateKey: options.privateKey,
    addresses: { listen: options.listen, announce: options.announce ?? [] },
    // TCP for Node peers and Kubo; WebSockets (a LISTEN_ADDRS entry ending in /ws) for browsers
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // dial the bootstrap peers at once (the default waits a second first: most of a short client's run)
    peerDiscovery: options.bootstrap.length === 0 ? [] : [bootstrap({ list: options.bootstrap, timeout: 0 })],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOLS[options.network],
        // js-libp2p starts every node as a client until AutoNAT finds it reachable; a server on a private
        // network is reachable by definition, so it says so
        clientMode: options.mode === 'client',
        // the addresses a peer may be reached at on this network, as Kubo filters them
        peerInfoMapper: options.network === 'lan' ? removePublicAddressesMapper : removePrivateAddressesMapper,
        // a DHT server refuses records it cannot check, and kad-dht knows no IPNS on its own: without these it
        // drops every name put to it (Helia's default DHT too), and only Kubo servers would keep them
        validators: { ipns: ipnsValidator },
        selectors: { ipns: ipnsSelector },
        // every interval: announce again what this node provides (before it expires), drop others' expired records
        reprovide: {
          interval: options.reprovideIntervalMs,
          validity: options.provideValidityMs,
          threshold: options.reprovideIntervalMs === undefined ? undefined : 2 * options.reprovideIntervalMs
        }
      })
    }
  }))
  await helia.start()
  if (options.mode === 'server') await helia.libp2p.services.dht.setMode('server')
  // the store itself, under Helia's: hosting drops the blocks a refused request fetched from it
  return Object.assign(helia, { localBlockstore: blockstore })
}
// #endregion

/** Blocks and pins on disk under `dataDir`, or in memory. */
async function stores (dataDir: string | undefined): Promise<{ blockstore: FsBlockstore | MemoryBlockstore, datastore: FsDatastore | MemoryDatastore }> {
  if (dataDir === undefined) return { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
  const blockstore = new FsBlockstore(join(dataDir, 'blocks'))
  const datastore = new FsDatastore(join(dataDir, 'datastore'))
  await blockstore.open()
  await datastore.open()
  return { blockstore, datastore }
}

export type RoutingNode = Awaited<ReturnType<typeof createRoutingNode>>

// #region delegated
/**
 * A node with no DHT at all: it asks a Routing V1 HTTP API (Kubo serves one on its gateway at /routing/v1)
 * for providers, peers and IPNS records, and fetches over bitswap from the providers it is told of. What a
 * browser or a short-lived process does instead of joining the DHT.
 */
export async function createDelegatedNode (url: string) {
  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    routers: [delegatedHTTPRouter({
      url,
      // providers that speak bitswap (or say nothing), reachable over TCP: what this node can dial
      filterProtocols: ['transport-bitswap', 'unknown'],
      filterAddrs: ['tcp'],
      cacheTTL: 0
    })]
  }), {
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  }))
  await helia.start()
  return helia
}
// #endregion

export type DelegatedNode = Awaited<ReturnType<typeof createDelegatedNode>>

/** IPNS over the node's routing (the DHT, or the delegated router): names publish and resolve as Kubo's do. */
export const namesOf = (node: RoutingNode | DelegatedNode) => ipns(node)
