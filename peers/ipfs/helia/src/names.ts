// IPNS names for what the server serves: the server signs a record (the `ipns` package, the spec's JS
// implementation) that points its own name (its peer ID as a libp2p-key CID, k51…) at SERVE_PATH's root,
// keeps it in its datastore, and the gateway hands it out at /ipns/<name>. A client checks the record's
// signature against the name itself, so it need not trust the gateway. Publishing again with another root
// raises the sequence number; the same root is signed again with a fresh validity and the same sequence.
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

export async function publishName (helia: Node, privateKey: PrivateKey, root: CID): Promise<{ name: string, sequence: bigint }> {
  const peerId = peerIdFromPrivateKey(privateKey)
  const value = `/ipfs/${root.toString()}`
  const key = recordKey(peerId)
  let sequence = 0n
  if (await helia.datastore.has(key)) {
    const previous = unmarshalIPNSRecord(await helia.datastore.get(key))
    sequence = previous.value === value ? previous.sequence : previous.sequence + 1n
  }
  const record = await createIPNSRecord(privateKey, value, sequence, RECORD_LIFETIME_MS, { ttlNs: BigInt(RECORD_TTL_SECONDS) * 1_000_000_000n })
  await helia.datastore.put(key, marshalIPNSRecord(record))
  return { name: nameOf(peerId), sequence }
}

/** The signed record this node holds for `peerId`'s name, as it travels (protobuf), or undefined. */
export async function recordOf (helia: Node, peerId: PeerId): Promise<Uint8Array | undefined> {
  const key = recordKey(peerId)
  return await helia.datastore.has(key) ? helia.datastore.get(key) : undefined
}
