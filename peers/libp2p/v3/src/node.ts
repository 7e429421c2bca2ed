// The libp2p 3.x node both roles use: TCP and WebSockets, Noise encryption, Yamux multiplexing, identify
// and ping. No peer discovery: peers are dialled by address, so nothing reaches the public network.
import { noise } from '@chainsafe/libp2p-noise'
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
import { noiseCrypto } from './noise-crypto.ts'

/**
 * Yamux tuned for bulk transfer (see BENCHMARKS.md): a stream starts with a 16 MiB receive window instead
 * of 256 KiB (so a sender never stalls while the window grows) and frames of up to 1 MiB instead of 64 KiB.
 * The cost is memory: a peer may send that much to a stream this side has not read yet, so the read buffer
 * limit grows with it. Compatible with any yamux peer: these only bound what this side sends and buffers.
 */
export const yamuxTuning: YamuxMuxerInit = {
  maxMessageSize: 1024 * 1024,
  streamOptions: {
    initialStreamWindowSize: 16 * 1024 * 1024,
    maxStreamWindowSize: 16 * 1024 * 1024,
    maxReadBufferLength: 16 * 1024 * 1024
  }
}

export interface NodeOptions {
  /** Omit for a fresh identity on every start (fine for clients). */
  privateKey?: PrivateKey
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/9111 and /ip4/127.0.0.1/tcp/9112/ws. */
  listen?: string[]
  /** Multiaddrs to tell peers instead of the listen ones (e.g. a container's DNS name). */
  announce?: string[]
  /** The contents of a `swarm.key`: then the node only talks to peers that hold the same key (a private network). */
  swarmKey?: Uint8Array
  /** Be a circuit relay (v2) for other peers, e.g. so two browsers can find each other and set up WebRTC. */
  relay?: boolean
  /** Yamux settings; `yamuxTuning` when omitted. */
  yamux?: YamuxMuxerInit
  /** e.g. `inboundConnectionThreshold` (new connections per second per host). */
  connectionManager?: Libp2pOptions['connectionManager']
  /** libp2p's own metrics (connections, streams, bytes by protocol, Node's process) go into this registry. */
  metricsRegistry?: Registry
}

export async function createNode (options: NodeOptions = {}) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    // In Node.js, webSockets() dials ws:// and wss:// alike (v3 dropped the `filter` option).
    transports: [tcp(), webSockets()],
    // Noise's own cipher, each session's key prepared once (src/noise-crypto.ts)
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    streamMuxers: [yamux(options.yamux ?? yamuxTuning)],
    connectionProtector: options.swarmKey === undefined ? undefined : preSharedKey({ psk: options.swarmKey }),
    services: {
      identify: identify(),
      // answers a ping for 30 s (not 10), and up to four at once: see connectionMonitor below
      ping: ping({ timeout: 30_000, maxInboundStreams: 4 }),
      // only peers that are asked to be one; others leave the hop protocol unregistered
      ...(options.relay === true ? { relay: circuitRelayServer() } : {})
    },
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and leave the example's counters in it alone
    metrics: options.metricsRegistry === undefined ? undefined : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    // libp2p pings every connection every 10 s and aborts it when the ping takes over 5 s, or when the other
    // side's ping handler gives up (10 s) or refuses a third ping at once. On a slow link that is busy (10
    // Mbit/s carrying a few echoes) a ping waits behind megabytes of queued stream data, and healthy
    // connections were aborted mid-transfer (the faults tier saw it). Allow 30 s, as the libp2p 1 example does.
    connectionMonitor: { pingTimeout: { minTimeout: 30_000 } }
  })
}

export type Node = Awaited<ReturnType<typeof createNode>>
