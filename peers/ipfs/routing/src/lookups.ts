// What the client asks of the network, one function a command: get (find a provider, fetch over bitswap),
// providers (every provider the DHT knows) and find-peer (a peer's addresses by its ID alone).
import { writeFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import type { DelegatedNode } from './delegated.ts'
import type { Found } from './find.ts'
import type { RoutingNode } from './node.ts'

type Log = (line: string) => void

/** A node, how it finds providers, and (on the DHT) the peer it joined through. */
export interface Client {
  node: RoutingNode | DelegatedNode
  findProviders: (cid: CID, signal: AbortSignal) => AsyncGenerator<Found>
  bootstrapPeer?: string
}

/** Content up to this size that is text is printed. */
const MAX_PRINTED_BYTES = 1024
const short = (peer: string): string => `…${peer.slice(-6)}`
const since = (started: number): string => `${Math.round(performance.now() - started)} ms`

export function parseCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch {
    throw new Error(`"${text}" is not a CID`)
  }
}

/** Who told us, in words. */
function source ({ toldBy, answers }: Found, bootstrapPeer: string | undefined): string {
  if (answers === undefined) return toldBy
  const who = toldBy === bootstrapPeer
    ? 'the bootstrap peer'
    : `${short(toldBy)}, which the search reached from the bootstrap peer`
  return `${who} (${answers} DHT answer${answers === 1 ? '' : 's'} so far)`
}

export async function get (client: Client, cid: CID, out: string | undefined, signal: AbortSignal, log: Log,
  started: number) {
  const { node } = client
  // eslint-disable-next-line no-unreachable-loop -- the first provider is enough
  for await (const found of client.findProviders(cid, signal)) {
    const at = found.addresses.join(', ') || 'no address (none kept for this network)'
    const told = source(found, client.bootstrapPeer)
    log(`found provider ${found.provider} after ${since(started)}: told by ${told}, at ${at}`)
    const chunks: Uint8Array[] = []
    for await (const chunk of unixfs(node).cat(cid, { signal })) chunks.push(chunk)
    const bytes = Buffer.concat(chunks)
    const connected = node.libp2p.getConnections().some(({ remotePeer }) => remotePeer.toString() === found.provider)
    log(`fetched ${bytes.length} bytes of ${cid} after ${since(started)}, every block checked against its CID` +
      (connected ? ` (connected to the provider ${short(found.provider)})` : ''))
    if (out !== undefined) {
      await writeFile(out, bytes)
      log(`wrote ${out}`)
    } else if (bytes.length <= MAX_PRINTED_BYTES && !bytes.includes(0)) log(`content: ${bytes.toString('utf8')}`)
    return
  }
  throw new Error(`no provider of ${cid} found in the DHT`)
}

export async function providers (client: Client, cid: CID, signal: AbortSignal, log: Log): Promise<void> {
  let count = 0
  for await (const found of client.findProviders(cid, signal)) {
    count++
    log(`provider ${found.provider} (told by ${source(found, client.bootstrapPeer)}) at ${found.addresses.join(', ')}`)
  }
  log(`${count} provider${count === 1 ? '' : 's'} of ${cid}`)
}

export async function findPeer ({ node }: Client, text: string, signal: AbortSignal, log: Log, started: number) {
  let peer
  try {
    peer = peerIdFromString(text)
  } catch {
    throw new Error(`"${text}" is not a peer ID`)
  }
  const found = await node.routing.findPeer(peer.toCID(), { signal }).catch((err: Error) => {
    throw new Error(`${peer} not found: ${err.message}`)
  })
  log(`found peer ${peerIdFromCID(found.id)} after ${since(started)} at ${found.multiaddrs.map(String).join(', ')}`)
}
