// The browser's IPFS node for OrbitDB: Helia 6 over libp2p 3 with WebSockets (to reach the always-on
// Node peer), gossipsub (OrbitDB announces new entries on a topic per database) and identify. Blocks and
// the datastore live in IndexedDB, as OrbitDB's own log, index and keystore do (its Level storage is
// IndexedDB in a browser), so the app and its unsynced writes survive a reload with no network.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { createHelia } from 'helia'
import { createLibp2p } from 'libp2p'

/** `name` keeps the stores of several app instances in one browser apart. */
export async function createBrowserNode (name: string) {
  const blockstore = new IDBBlockstore(`${name}/blocks`)
  const datastore = new IDBDatastore(`${name}/datastore`)
  await blockstore.open()
  await datastore.open()
  const libp2p = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // libp2p's browser default refuses private and loopback addresses (and plain ws:// to them)
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      // writes made offline are published to nobody; that must not throw
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true })
    }
  })
  // Only bitswap and the libp2p router: Helia's defaults would add public gateways and delegated routing.
  return createHelia({ libp2p, blockstore, datastore, blockBrokers: [bitswap()], routers: [libp2pRouting(libp2p)] })
}
