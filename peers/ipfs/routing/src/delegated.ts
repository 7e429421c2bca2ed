// A Helia node with no DHT at all, for a process that lives for one request: it asks a Routing V1 HTTP API
// (Kubo serves one on its gateway at /routing/v1) and fetches over bitswap from the providers it is told of.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createHeliaLight } from 'helia'

// #region delegated
/** Providers, peers and IPNS records from the Routing V1 API at `url`; blocks over bitswap from providers. */
export async function createDelegatedNode (url: string) {
  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    routers: [delegatedHTTPRouter({
      url,
      // providers that speak bitswap (or say nothing), reachable over TCP: what this node can dial
      filterProtocols: ['transport-bitswap', 'unknown'],
      filterAddrs: ['tcp'],
      cacheTTL: 0
    })]
  }), {
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  }))
  await helia.start()
  return helia
}
// #endregion

export type DelegatedNode = Awaited<ReturnType<typeof createDelegatedNode>>
