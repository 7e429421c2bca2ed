// Helia in the browser with no DHT: a browser cannot answer DHT queries (nobody can dial it) and can reach
// only WebSocket, WebTransport and WebRTC peers, so it asks a Routing V1 HTTP API (Kubo serves one on its
// gateway at /routing/v1) for providers and IPNS records, and dials the providers it is told of over
// WebSockets. createHeliaLight: no public delegated router, bootstrap list, gateways or STUN servers.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { createHeliaLight } from 'helia'
import type { PrivateKey } from '@libp2p/interface'

// #region browser
/**
 * `routerUrl`: a Routing V1 HTTP API, e.g. Kubo's gateway; without one the page finds nothing by itself.
 * `privateKey`: the page's identity, the peer ID a hosting server's HOSTING_ALLOW_PEERS names.
 */
export async function createBrowserNode (routerUrl: string | undefined, privateKey: PrivateKey) {
  const routers = routerUrl === undefined
    ? []
    : [delegatedHTTPRouter({
        url: routerUrl,
        // the router filters for us (IPIP-484): bitswap providers, and only addresses a page can dial
        filterProtocols: ['transport-bitswap', 'unknown'],
        filterAddrs: ['ws', 'wss'],
        cacheTTL: 0
      })]
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ routers }), {
    privateKey,
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // libp2p's browser default refuses private addresses (and plain ws:// to them): this network is private
      denyDialMultiaddr: () => false
    },
    services: { identify: identify() }
  }))
  await helia.start()
  return helia
}
// #endregion

export type BrowserNode = Awaited<ReturnType<typeof createBrowserNode>>
