// The libp2p 3.x node both roles use: TCP and WebSockets, Noise encryption, Yamux multiplexing, identify
// and ping. No peer discovery: peers are dialled by address, so nothing reaches the public network.
// #region imports
import { noise, type NoiseInit } from '@chainsafe/libp2p-noise'
import { yamux, type YamuxMuxerInit } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { preSharedKey } from '@libp2p/pnet'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import type { Registry } from 'prom-client'
import type { PrivateKey } from '@libp2p/interface'
// #endregion

export interface NodeOptions {
  /** Omit for a fresh identity on every start (fine for clients). */
  privateKey?: PrivateKey
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/9111 and /ip4/127.0.0.1/tcp/9112/ws. */
  listen?: string[]
  /** Multiaddrs to tell peers instead of the listen ones (e.g. a container's DNS name). */
  announce?: string[]
  /** The contents of a `swarm.key`: then the node only talks to peers that hold the same key. */
  swarmKey?: Uint8Array
  /** Be a circuit relay (v2) for other peers, e.g. so two browsers can find each other for WebRTC. */
  relay?: boolean
  /** Yamux settings; the library's when omitted (src/tuned/yamux.ts is the bulk-transfer tuning). */
  yamux?: YamuxMuxerInit
  /** Noise settings; the library's when omitted (src/tuned/noise-crypto.ts has a faster cipher). */
  noise?: NoiseInit
  /** e.g. `inboundConnectionThreshold` (new connections per second per host). */
  connectionManager?: Libp2pOptions['connectionManager']
  /** libp2p's own metrics (connections, streams, bytes by protocol) go into this prom-client registry. */
  metricsRegistry?: Registry
}

// #region node
export async function createNode (options: NodeOptions = {}) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    // In Node.js, webSockets() dials ws:// and wss:// alike (v3 dropped the `filter` option).
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise(options.noise)],
    streamMuxers: [yamux(options.yamux)],
    connectionProtector: options.swarmKey === undefined ? undefined : preSharedKey({ psk: options.swarmKey }),
    services: {
      identify: identify(),
      // answers a ping for 30 s (not 10), and up to four at once: see connectionMonitor below
      ping: ping({ timeout: 30_000, maxInboundStreams: 4 }),
      // only peers that are asked to be one; others leave the hop protocol unregistered
      ...(options.relay === true ? { relay: circuitRelayServer() } : {})
    },
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and the example's counters in it left alone
    metrics: options.metricsRegistry === undefined
      ? undefined
      : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    // a ping queued behind megabytes of stream data on a slow link must not abort a healthy connection
    connectionMonitor: { pingTimeout: { minTimeout: 30_000 } }
  })
}
// #endregion

export type Node = Awaited<ReturnType<typeof createNode>>
