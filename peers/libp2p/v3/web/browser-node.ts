// The libp2p 3.x node of the browser page: WebSockets (the transport a page can dial a Node server with),
// Noise, Yamux, identify and ping, as the Node roles use. libp2p's browser build refuses two things a
// local server needs by default: plain ws:// (only wss:// outside localhost) and private addresses
// (127.0.0.1, 10.x, 192.168.x…), both by its connection gater. This page is for your own server on your
// own network, so the gater lets both through; on the public web keep the defaults and serve wss://.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'

export async function createBrowserNode () {
  return createLibp2p({
    transports: [webSockets()],
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
