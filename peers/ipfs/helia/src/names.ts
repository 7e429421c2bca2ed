// IPNS names for what the server serves: the server signs a record (the `ipns` package) pointing its own
// name (its peer ID as a libp2p-key CID, k51…) at SERVE_PATH's root and keeps it in its datastore; the
// gateway hands it out at /ipns/<name>, and a client checks the signature against the name itself.
// Publishing another root raises the sequence number; the same root is signed again with a fresh validity.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { peerIdFromCID, peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { Key } from 'interface-datastore'
import { createIPNSRecord, marshalIPNSRecord, unmarshalIPNSRecord } from 'ipns'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import type { Node } from './node.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** How long a record stays valid (Kubo's default), and how long others may cache it (Kubo's default TTL). */
export const RECORD_LIFETIME_MS = 48 * 60 * 60 * 1000
export const RECORD_TTL_SECONDS = 60 * 60
const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'

const recordKey = (peerId: PeerId): Key => new Key(`/liftoff/ipns-records/${peerId.toString()}`)

/** The name as Kubo prints it: the peer ID as a CIDv1 (libp2p-key) in base36. */
export const nameOf = (peerId: PeerId): string => peerId.toCID().toString(base36)

/** The peer a name stands for: a k51… name, or a peer ID as text; undefined for anything else. */
export function peerOfName (name: string): PeerId | undefined {
  try {
    return name.startsWith('k') ? peerIdFromCID(CID.parse(name, base36)) : peerIdFromString(name)
  } catch {
    return undefined
  }
}

export async function publishName (helia: Node, privateKey: PrivateKey, root: CID) {
  const peerId = peerIdFromPrivateKey(privateKey)
  const value = `/ipfs/${root.toString()}`
  const key = recordKey(peerId)
  let sequence = 0n
  if (await helia.datastore.has(key)) {
    const previous = unmarshalIPNSRecord(await helia.datastore.get(key))
    sequence = previous.value === value ? previous.sequence : previous.sequence + 1n
  }
  const ttlNs = BigInt(RECORD_TTL_SECONDS) * 1_000_000_000n
  const record = await createIPNSRecord(privateKey, value, sequence, RECORD_LIFETIME_MS, { ttlNs })
  await helia.datastore.put(key, marshalIPNSRecord(record))
  return { name: nameOf(peerId), sequence }
}

/** The signed record this node holds for `peerId`'s name, as it travels (protobuf), or undefined. */
export async function recordOf (helia: Node, peerId: PeerId): Promise<Uint8Array | undefined> {
  const key = recordKey(peerId)
  return await helia.datastore.has(key) ? helia.datastore.get(key) : undefined
}

function fail (response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message + '\n')
}

/** The gateway's /ipns/<name>: the record this node holds, which the client verifies; no resolving, no path. */
export async function answerName (helia: Node, request: IncomingMessage, url: URL,
  response: ServerResponse): Promise<void> {
  const [name = '', ...path] = url.pathname.slice('/ipns/'.length).split('/')
  const peerId = peerOfName(decodeURIComponent(name))
  if (peerId === undefined) {
    return fail(response, 400, `invalid IPNS name ${name.slice(0, 100)}: expected a k51… name or a peer ID`)
  }
  const format = url.searchParams.get('format')
  const wanted = format === null ? (request.headers.accept ?? '').includes(IPNS_RECORD) : format === 'ipns-record'
  if (!wanted || path.some(segment => segment !== '')) {
    return fail(response, 406, 'this is a trustless gateway: /ipns/<name> serves the name\'s record ' +
      `(${IPNS_RECORD} or ?format=ipns-record), no path`)
  }
  const record = await recordOf(helia, peerId)
  if (record === undefined) return fail(response, 404, `no record for /ipns/${name} here`)
  const ttl = unmarshalIPNSRecord(record).ttl ?? 0n
  response.writeHead(200, {
    'Content-Type': IPNS_RECORD,
    'Content-Length': record.byteLength,
    'Cache-Control': `public, max-age=${ttl / 1_000_000_000n}`,
    'Content-Disposition': `attachment; filename="${nameOf(peerId)}.ipns-record"`,
    'X-Ipfs-Path': `/ipns/${nameOf(peerId)}`
  })
  response.end(request.method === 'HEAD' ? undefined : record)
}
