// Providing: adding content to the node's blockstore and announcing this node as its provider to the DHT
// servers closest to the CID, so that anyone who asks the DHT for the CID is told of this node.
import { unixfs } from '@helia/unixfs'
import type { RoutingNode } from './node.ts'
import type { CID } from 'multiformats/cid'

type Log = (line: string) => void

const PROVIDE_TIMEOUT_MS = 60_000
const short = (peer: string): string => `…${peer.slice(-6)}`

// #region provide
/** Announces this node as a provider of `cid` to the DHT servers closest to it; which servers took it. */
export async function announce (node: RoutingNode, cid: CID, signal: AbortSignal): Promise<string[]> {
  const holders: string[] = []
  try {
    // the query waits until the routing table has a peer
    for await (const event of node.libp2p.services.dht.provide(cid, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') holders.push(event.from.toString())
    }
  } catch (err) {
    if (!signal.aborted) throw err
  }
  if (holders.length === 0) {
    throw new Error(`no DHT server took the provider record for ${cid}: ` +
      'is BOOTSTRAP a DHT server on the same network (DHT_NETWORK)?')
  }
  return holders
}

/** Adds the text and announces it; says which servers took the record. */
export async function provideText (node: RoutingNode, text: string, log: Log, timeoutMs = PROVIDE_TIMEOUT_MS) {
  const cid = await unixfs(node).addBytes(new TextEncoder().encode(text))
  const holders = await announce(node, cid, AbortSignal.timeout(timeoutMs))
  const servers = `${holders.length} DHT server${holders.length === 1 ? '' : 's'}`
  log(`providing ${cid}: provider record on ${servers} (${holders.map(short).join(', ')})`)
  return cid
}
// #endregion
