// Fetching from a trustless gateway (Kubo's, this example's server's, any): one request for a CAR of the
// whole DAG, and every block checked against its CID before it is stored, so the gateway need not be trusted.
import { CarBlockIterator } from '@ipld/car'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import type { CID } from 'multiformats/cid'
import { EXTRA_HASHERS } from './hashers.ts'
import type { Node } from './node.ts'

type Hasher = { digest: (bytes: Uint8Array) => Promise<{ bytes: Uint8Array }> | { bytes: Uint8Array } }
const HASHERS = new Map<number, Hasher>(
  [sha256, sha512, identity, ...EXTRA_HASHERS].map(hasher => [hasher.code, hasher])
)

export interface CarFetch { blocks: number, bytes: number }

// #region fetch-car
export async function fetchCar (helia: Node, gatewayUrl: string, cid: CID,
  options: { signal?: AbortSignal } = {}): Promise<CarFetch> {
  const url = `${gatewayUrl}/ipfs/${cid}?format=car&dag-scope=all`
  const headers = { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=n' }
  const response = await fetch(url, { headers, signal: options.signal })
    .catch((err: Error & { cause?: { code?: string } }) => {
      throw new Error(`cannot reach the gateway ${gatewayUrl}: ${err.cause?.code ?? err.message}`)
    })
  if (!response.ok || response.body === null) {
    const why = (await response.text()).trim().split('\n')[0]!.slice(0, 200)
    throw new Error(`gateway ${gatewayUrl} answered ${response.status} for ${cid}: ${why}`)
  }
  const car = await CarBlockIterator.fromIterable(response.body)
  const received: CarFetch = { blocks: 0, bytes: 0 }
  for await (const block of car) {
    const hasher = HASHERS.get(block.cid.multihash.code)
    if (hasher === undefined) {
      throw new Error(`gateway sent block ${block.cid} with a hash this client cannot check ` +
        `(multihash code 0x${block.cid.multihash.code.toString(16)})`)
    }
    const digest = await hasher.digest(block.bytes)
    if (!Buffer.from(digest.bytes).equals(block.cid.multihash.bytes)) {
      throw new Error(`gateway sent bytes that do not match their CID ${block.cid}: refused`)
    }
    await helia.blockstore.put(block.cid, block.bytes)
    received.blocks++
    received.bytes += block.bytes.byteLength
  }
  return received
}
// #endregion
