// The libp2p 3 nodes of this example: a public relay, and peers behind NAT that listen and dial through it,
// then punch a direct connection (DCUtR) or find one with ICE (WebRTC). No peer discovery and no bootstrap
// list: every address is given, so nothing reaches the public network.
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
import type { PrivateKey } from '@libp2p/interface'

/** A STUN or TURN server as WebRTC takes it (RTCIceServer). */
export interface IceServer { urls: string, username?: string, credential?: string }

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

// #region relay
/** Every node here: identify, ping, and AutoNAT v2 (it asks others whether its addresses are reachable). */
const everyNodesServices = () => ({ identify: identify(), ping: ping(), autoNAT: autoNATv2() })

/** The public relay: circuit relay v2 server, AutoNAT v2 server and v1 (for Kubo's client), identify, ping. */
export async function createRelayNode (options: RelayNodeOptions) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen, announce: options.announce ?? [] },
    transports: [tcp(), quic(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      ...everyNodesServices(),
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
// #endregion

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

// #region peer
/** A peer behind NAT: TCP, QUIC, WebSockets, WebRTC and relayed connections; DCUtR, AutoNAT v2 client. */
export async function createPeerNode (options: PeerNodeOptions) {
  return createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen, appendAnnounce: options.appendAnnounce ?? [] },
    transports: [
      tcp(),
      quic(),
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: options.iceServers } }),
      // to listen through a relay (a reservation) and to dial through one
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      ...everyNodesServices(),
      // hole punching: both sides dial each other's public address at once over the relayed connection
      dcutr: dcutr(),
      ...(options.upnp === true ? { upnp: uPnPNAT() } : {})
    }
  })
}
// #endregion

export type RelayNode = Awaited<ReturnType<typeof createRelayNode>>
export type PeerNode = Awaited<ReturnType<typeof createPeerNode>>
