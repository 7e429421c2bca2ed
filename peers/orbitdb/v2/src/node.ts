// The IPFS node OrbitDB runs on: Helia 4 over libp2p 1.9 with gossipsub (OrbitDB announces new entries on a
// pubsub topic per database) and identify, TCP only, no peer discovery. Blocks and the datastore are LevelDB
// under the data dir, so databases reopen with all their entries after a restart.
import { join } from 'node:path'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import { createHelia } from 'helia'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { PeerId } from '@libp2p/interface'
import { storeEvenIfSendingFails } from './workarounds/bitswap-announce.ts'
import { patientPings } from './workarounds/ping-timeout.ts'
import { peerWants, quietBlocks } from '@ipfs-liftoff/orbitdb-hosting/server'

export interface NodeOptions {
  dataDir: string
  peerId?: PeerId
  listen?: string[]
  announce?: string[]
  /** The server's connection limits (src/run/config.ts); libp2p's defaults when omitted. */
  connectionManager?: Libp2pOptions['connectionManager']
  /** libp2p's own metrics (the server's Prometheus registry, @ipfs-liftoff/orbitdb-hosting/metrics). */
  metrics?: Libp2pOptions['metrics']
  /** Bitswap's settings over its defaults (src/tuned/bitswap.ts has the tuned ones). */
  bitswap?: Parameters<typeof bitswap>[0]
  /** The upstream workarounds in src/workarounds/: on, and off only in their canary tests. */
  workarounds?: boolean
}

// #region libp2p
export async function createNode (options: NodeOptions) {
  const workarounds = options.workarounds ?? true
  const datastore = new LevelDatastore(join(options.dataDir, 'datastore'))
  const blockstore = new LevelBlockstore(join(options.dataDir, 'blocks'))
  await datastore.open()
  await blockstore.open()
  const libp2p = await createLibp2p({
    peerId: options.peerId,
    datastore,
    addresses: { listen: options.listen ?? [], announce: options.announce ?? [] },
    transports: [tcp()],
    connectionEncryption: [noise()],
    streamMuxers: [yamux()],
    connectionManager: options.connectionManager,
    metrics: options.metrics,
    connectionMonitor: workarounds ? patientPings : undefined,
    services: {
      identify: identify(),
      // OrbitDB publishes every write: with no subscribed peer yet (offline, or first) that must not throw.
      // Gossipsub ignores peers beyond about 14 behind one IP address (a NAT, a compose network): the
      // access controller vets writers, so the server does not score by address.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, scoreParams: { IPColocationFactorWeight: 0 } })
    }
  })
  // #endregion
  // #region helia
  const broker = bitswap(options.bitswap)
  const wants = peerWants(workarounds ? storeEvenIfSendingFails(broker) : broker)
  // Only Bitswap and the libp2p router: Helia's defaults would add public HTTP gateways and delegated routing.
  const helia = await createHelia({
    libp2p,
    blockstore,
    datastore,
    blockBrokers: [wants.createBroker],
    routers: [libp2pRouting(libp2p)]
  })
  // Helia does not close stores it was given; open LevelDB stores hold a lock a reopen would hit.
  const stopHelia = helia.stop.bind(helia)
  helia.stop = async () => {
    await stopHelia()
    await blockstore.close()
    await datastore.close()
  }
  return Object.assign(helia, quietBlocks(blockstore, helia.pins, wants.offer))
}
// #endregion

export type Node = Awaited<ReturnType<typeof createNode>>
