// The libp2p 3.x node of the browser pages: WebSockets (the transport a page can dial a Node server with),
// WebRTC (page to page), the circuit relay transport (WebRTC's signalling goes through a relay), Noise,
// Yamux, identify and ping, as the Node roles use.
//
// libp2p's browser build refuses two things a local server needs by default: plain ws:// (only wss://
// outside localhost) and private addresses (127.0.0.1, 10.x, 192.168.x…), both by its connection gater.
// These pages are for your own server on your own network, so the gater lets both through; on the public
// web keep the defaults and serve wss://.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'

// #region node
export async function createBrowserNode () {
  return createLibp2p({
    addresses: {
      // '/p2p-circuit': take a reservation on the relay we dial; '/webrtc': accept WebRTC through it
      listen: ['/p2p-circuit', '/webrtc']
    },
    transports: [
      webSockets(),
      // no STUN server: the default list points at public servers, and pages on one network need none
      webRTC({ rtcConfiguration: { iceServers: [] } }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // the default refuses private and loopback addresses in browsers
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      ping: ping()
    }
  })
}
// #endregion
