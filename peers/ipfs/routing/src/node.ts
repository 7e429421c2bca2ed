// A Helia 7 node whose only router is a Kademlia DHT (the one Kubo speaks), joined through the peers you
// name: createHeliaLight has no public delegated routers or gateways, and no public bootstrap list is added.
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
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
import type { DelegatedNode } from './delegated.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Which of Kubo's two DHTs to join: Kubo sorts peers by address, private ones (loopback, 10/8, 192.168/16,
 * fc00::/7 …) into the LAN DHT, public ones into the WAN DHT (the public Amino DHT with its bootstrap list).
 */
export type DhtNetwork = 'lan' | 'wan'

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

// #region dht
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
        // js-libp2p is a client until AutoNAT finds it reachable: a server on a private network says so itself
        clientMode: options.mode === 'client',
        // the addresses a peer may be reached at on this network, as Kubo filters them
        peerInfoMapper: options.network === 'lan' ? removePublicAddressesMapper : removePrivateAddressesMapper,
        // kad-dht knows no IPNS by itself: without these a server drops every name put to it
        validators: { ipns: ipnsValidator },
        selectors: { ipns: ipnsSelector },
        // every interval: announce again what this node provides, drop others' expired records
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
async function stores (dataDir: string | undefined): Promise<{
  blockstore: FsBlockstore | MemoryBlockstore
  datastore: FsDatastore | MemoryDatastore
}> {
  if (dataDir === undefined) return { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() }
  const blockstore = new FsBlockstore(join(dataDir, 'blocks'))
  const datastore = new FsDatastore(join(dataDir, 'datastore'))
  await blockstore.open()
  await datastore.open()
  return { blockstore, datastore }
}

export type RoutingNode = Awaited<ReturnType<typeof createRoutingNode>>

/** IPNS over the node's routing (the DHT, or the delegated router): names publish and resolve as Kubo's do. */
export const namesOf = (node: RoutingNode | DelegatedNode) => ipns(node)
