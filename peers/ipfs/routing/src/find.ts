// Finding providers of a CID: from the DHT, answer by answer outwards from the bootstrap peer, or from a
// delegated router (Routing V1 HTTP API) in one request.
import { peerIdFromCID } from '@libp2p/peer-id'
import type { DelegatedNode } from './delegated.ts'
import type { RoutingNode } from './node.ts'
import type { CID } from 'multiformats/cid'

export interface Found { provider: string, addresses: string[], toldBy: string, answers?: number }

// #region find
/**
 * Asks the DHT for providers of `cid`, from the bootstrap peer outwards: each answer names closer peers or
 * providers. Yields each provider with the peer that told us and how many peers had answered by then.
 */
export async function * findProviders (node: RoutingNode, cid: CID, signal: AbortSignal): AsyncGenerator<Found> {
  let answers = 0
  const seen = new Set<string>()
  for await (const event of node.libp2p.services.dht.findProviders(cid, { signal })) {
    if (event.name === 'PEER_RESPONSE') answers++
    if (event.name !== 'PROVIDER') continue
    for (const { id, multiaddrs } of event.providers) {
      if (seen.has(id.toString())) continue
      seen.add(id.toString())
      yield { provider: id.toString(), addresses: multiaddrs.map(String), toldBy: event.from.toString(), answers }
    }
  }
}
// #endregion

/** The same from a delegated router: one HTTP request, the server's answer. */
export async function * findProvidersDelegated (node: DelegatedNode, cid: CID, signal: AbortSignal) {
  for await (const { id, multiaddrs } of node.routing.findProviders(cid, { signal })) {
    yield { provider: peerIdFromCID(id).toString(), addresses: multiaddrs.map(String), toldBy: 'the delegated router' }
  }
}
