// The page's libp2p 3 node: WebSockets (to reach a public Node peer or the relay), WebRTC with the ICE
// servers given, the circuit relay transport (to listen through a relay and signal WebRTC through it),
// Noise, Yamux, identify and ping. libp2p's browser connection gater refuses plain ws:// and private
// addresses; the lab's relay is reached over plain ws:// at a public address, so it lets ws:// through.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import type { IceServer } from '../src/node.ts'

export async function createBrowserNode (iceServers: IceServer[]) {
  return createLibp2p({
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [webSockets(), webRTC({ rtcConfiguration: { iceServers } }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    // libp2p gives each address 6 s to dial and an incoming connection 10 s to be set up, too short for ICE
    // through NATs (it gathers from STUN and TURN first, then checks pairs, the relayed ones last); the
    // page gives each dial its own deadline (?deadline=) instead
    connectionManager: { dialTimeout: 60_000, addressDialTimeout: 60_000, inboundUpgradeTimeout: 60_000 },
    services: { identify: identify(), ping: ping() }
  })
}
