// Finding peers by topic: a libp2p node with gossipsub and @libp2p/pubsub-peer-discovery, and no DHT. Every
// interval it publishes its peer ID and addresses on the discovery topic; peers subscribed to the same topic
// hear it through whoever they are connected to (at first, only the bootstrap peer, which relays the topic)
// and dial each other directly. What apps like OrbitDB need: peers of one app, not every peer of a network.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

// #region topic
export interface TopicNodeOptions {
  listen: string[]
  /** Peers to join through, each `…/p2p/<peer id>`; none for the bootstrap peer itself. */
  bootstrap: string[]
  /** The discovery topic: peers of one app share it, and only they find each other. */
  topic: string
  /** Only relay and listen, never announce this node (a bootstrap peer that is not one of the app's peers). */
  listenOnly?: boolean
  /** How often to announce this node on the topic. */
  intervalMs?: number
}

export async function createTopicNode (options: TopicNodeOptions) {
  return createLibp2p({
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [
      ...options.bootstrap.length === 0 ? [] : [bootstrap({ list: options.bootstrap, timeout: 0 })],
      // announce every second (the default is every 10 s): a peer is found within a second of joining
      pubsubPeerDiscovery({
        topics: [options.topic], interval: options.intervalMs ?? 1000, listenOnly: options.listenOnly
      })
    ],
    services: {
      identify: identify(),
      // announcements go out before anyone else has subscribed: that must not throw
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true })
    }
  })
}
// #endregion

export type TopicNode = Awaited<ReturnType<typeof createTopicNode>>
