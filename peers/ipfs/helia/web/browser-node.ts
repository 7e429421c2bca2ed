// Helia in the browser, built piece by piece so it reaches only what you name. Helia's browser defaults
// would reach the public network: a bootstrap list, delegated routing at delegated-ipfs.dev, public
// trustless gateways (trustless-gateway.link, 4everland.io) and public STUN servers for WebRTC. Here:
// createHeliaLight (none of those), libp2p with WebSockets only, bitswap, and an HTTP block source that
// knows one gateway, the example server's, and no delegated router.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { fallbackRouter } from '@helia/fallback-router'
import { withHTTP } from '@helia/http'
import { withLibp2pLight } from '@helia/libp2p'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { createHeliaLight } from 'helia'

// #region browser
/** Blocks and libp2p state in IndexedDB: what a page fetched is still there after a reload, offline. */
export async function createBrowserHelia () {
  const blockstore = new IDBBlockstore('liftoff-helia-blocks')
  const datastore = new IDBDatastore('liftoff-helia-data')
  await blockstore.open()
  await datastore.open()
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      // libp2p's browser default refuses private and loopback addresses (and plain ws:// to them)
      denyDialMultiaddr: () => false
    },
    services: { identify: identify() }
  }))
  await helia.start()
  return helia
}
// #endregion

/** fetch() for ipfs:// URLs, every block checked against its CID, from this one trustless gateway. */
export async function createGatewayFetch (gatewayUrl: string) {
  const gateway = fallbackRouter({ gateways: [gatewayUrl] })
  // The gateway is this Helia's one router. Not as withHTTP's `recursiveGateways` (a "fallback" router):
  // Helia 7.1.15 asks its other routers first and, when there are none, waits for them forever.
  const onlyRouter = {
    name: 'example-gateway',
    async * findProviders (...args: Parameters<NonNullable<typeof gateway.findProviders>>) {
      yield * gateway.findProviders?.(...args) ?? []
    }
  }
  const helia = withHTTP(createHeliaLight({ routers: [onlyRouter] }), {
    delegatedRouters: [],
    recursiveGateways: [],
    // the example's gateway is plain http:// on 127.0.0.1; both are refused by default
    allowInsecure: true,
    allowLocal: true
  })
  await helia.start()
  return { verifiedFetch: await createVerifiedFetch(helia), stop: () => helia.stop() }
}
