// The libp2p 3 nodes of this example. All three roles speak TCP, QUIC and WebSockets with Noise and Yamux
// (QUIC brings its own encryption and streams), identify and ping. The relay adds a circuit relay v2 server
// and the AutoNAT v1 and v2 servers (v1 for Kubo's client); the peers behind NAT add the circuit relay
// transport (to listen through a relay and dial through one), WebRTC (ICE with the STUN/TURN servers
// given), DCUtR (hole punching over the relayed connection) and the AutoNAT v2 client. No peer discovery,
// no bootstrap list: every address is given, so nothing reaches the public network.
import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNAT } from '@libp2p/autonat'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { IceServer } from './config.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface RelayLimits {
  /** Bytes a relayed connection may carry (both ways together), then the relay closes it. */
  bytes: bigint
  /** Seconds a relayed connection may stay open. */
  seconds: number
}

export interface RelayNodeOptions {
  privateKey?: PrivateKey
  listen: string[]
  announce?: string[]
  limits: RelayLimits
}

/** The public relay: circuit relay v2 server, AutoNAT v1 and v2 servers, identify, ping. */
export async function createRelayNode (options: RelayNodeOptions) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen, announce: options.announce ?? [] },
    transports: [tcp(), quic(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      autoNAT: autoNATv2(),
      autoNATv1: autoNAT(),
      relay: circuitRelayServer({
        reservations: {
          // the limits every relayed connection gets: a relay carries signalling and a little chat, not bulk
          applyDefaultLimit: true,
          defaultDataLimit: options.limits.bytes,
          defaultDurationLimit: options.limits.seconds * 1000
        }
      })
    }
  })
}

export interface PeerNodeOptions {
  privateKey?: PrivateKey
  /** Own listen addresses, plus `<relay>/p2p-circuit` to take a reservation and `/webrtc` to accept WebRTC. */
  listen: string[]
  /** Addresses to announce besides what is confirmed (e.g. a router's port forward). */
  appendAnnounce?: string[]
  /** STUN and TURN servers for WebRTC's ICE; none means host candidates only. */
  iceServers: IceServer[]
  /** Ask the router for a port mapping over UPnP IGD (a home router offering it). */
  upnp?: boolean
}

/** A peer behind NAT: TCP, QUIC, WebSockets, WebRTC and relayed connections; DCUtR, AutoNAT v2 client, identify, ping. */
export async function createPeerNode (options: PeerNodeOptions) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen, appendAnnounce: options.appendAnnounce ?? [] },
    transports: [
      tcp(),
      quic(),
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: options.iceServers } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      autoNAT: autoNATv2(),
      dcutr: dcutr(),
      ...(options.upnp === true ? { upnp: uPnPNAT() } : {})
    }
  })
}

export type RelayNode = Awaited<ReturnType<typeof createRelayNode>>
export type PeerNode = Awaited<ReturnType<typeof createPeerNode>>
