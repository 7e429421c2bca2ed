// The libp2p 1.x node both roles use: TCP and WebSockets, Noise encryption, Yamux multiplexing, identify
// and ping. No peer discovery: peers are dialled by address, so nothing reaches the public network.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux, type YamuxMuxerInit } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { all as dialAnyWebSocket } from '@libp2p/websockets/filters'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { PeerId } from '@libp2p/interface'
import type { Registry } from 'prom-client'

/**
 * Yamux tuned for bulk transfer (see BENCHMARKS.md): 1 MiB frames instead of 64 KiB halve the per-frame
 * work, and a 16 MiB window from the start skips the slow window growth. Both peers stay compatible
 * with any yamux peer: these only bound what this side sends and buffers.
 */
export const yamuxTuning: YamuxMuxerInit = {
  maxMessageSize: 1024 * 1024,
  initialStreamWindowSize: 16 * 1024 * 1024,
  maxStreamWindowSize: 16 * 1024 * 1024
}

export interface NodeOptions {
  /** Omit for a fresh identity on every start (fine for clients). */
  peerId?: PeerId
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/9101 and /ip4/127.0.0.1/tcp/9102/ws. */
  listen?: string[]
  /** Multiaddrs to tell peers instead of the listen ones (e.g. a container's DNS name). */
  announce?: string[]
  /** Yamux settings; `{}` gives the library defaults. */
  yamux?: YamuxMuxerInit
  /** e.g. `inboundConnectionThreshold` (default 5 new connections per second per host). */
  connectionManager?: Libp2pOptions['connectionManager']
  /** libp2p's own metrics (connections, streams, bytes by protocol, Node's process) go into this registry. */
  metricsRegistry?: Registry
}

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
    streamMuxers: [yamux(options.yamux ?? yamuxTuning)],
    services: {
      identify: identify(),
      // answers a ping for 30 s (not 10), and up to four at once: a ping on a busy slow link waits behind
      // queued stream data (see connectionMonitor below)
      ping: ping({ timeout: 30_000, maxInboundStreams: 4 })
    },
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and leave the example's counters in it alone
    metrics: options.metricsRegistry === undefined ? undefined : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    // libp2p 1.9 pings every connection every 10 s and aborts it when a ping takes over 2 s (its adaptive
    // timeout never adapts in 1.9): a busy server dropped healthy clients under load. Allow 30 s.
    connectionMonitor: { pingTimeout: { minTimeout: 30_000 } }
  })
}

export type Node = Awaited<ReturnType<typeof createNode>>
