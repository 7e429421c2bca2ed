// The libp2p 1.x node both roles use: TCP and WebSockets, Noise encryption, Yamux multiplexing, identify
// and ping. No peer discovery: peers are dialled by address, so nothing reaches the public network.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux, type YamuxMuxerInit } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { all as dialAnyWebSocket } from '@libp2p/websockets/filters'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { PeerId } from '@libp2p/interface'
import { connectionMonitor, pingService } from './workarounds/ping-timeout.ts'

export interface NodeOptions {
  /** Omit for a fresh identity on every start (fine for clients). */
  peerId?: PeerId
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/9101 and /ip4/127.0.0.1/tcp/9102/ws. */
  listen?: string[]
  /** Multiaddrs to tell peers instead of the listen ones (e.g. a container's DNS name). */
  announce?: string[]
  /** Yamux settings; unset gives the library defaults (src/tuned/yamux.ts is the bulk-transfer tuning). */
  yamux?: YamuxMuxerInit
  /** e.g. `inboundConnectionThreshold` (default 5 new connections per second per host). */
  connectionManager?: Libp2pOptions['connectionManager']
  /** e.g. @libp2p/prometheus-metrics (src/run/metrics.ts). */
  metrics?: Libp2pOptions['metrics']
}

// #region node
export async function createNode (options: NodeOptions = {}) {
  return createLibp2p({
    peerId: options.peerId,
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    transports: [
      tcp(),
      // Node's default already dials ws:// and wss://; naming the filter keeps the snippet browser-safe.
      webSockets({ filter: dialAnyWebSocket })
    ],
    connectionEncryption: [noise()],
    streamMuxers: [yamux(options.yamux)],
    services: {
      identify: identify(),
      ping: ping(pingService) // a 30 s answer window: src/workarounds/ping-timeout.ts
    },
    connectionManager: options.connectionManager,
    metrics: options.metrics,
    connectionMonitor // libp2p 1.9 aborts a connection on a ping over 2 s: src/workarounds/ping-timeout.ts
  })
}
// #endregion

export type Node = Awaited<ReturnType<typeof createNode>>
