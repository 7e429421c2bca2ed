// Fetching a whole DAG within a budget: block by block (bitswap fetches what this node lacks, and Helia
// checks each against its CID), counting bytes and blocks, so a DAG too large stops at once.
import { createUnsafe } from 'multiformats/block'
import type { Blocks, CodecLoader } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** What fetching needs of a Helia node. */
export interface DagStore { blockstore: Blocks, getCodec: CodecLoader }

/** The most bytes and blocks one DAG may have. */
export interface DagLimits { maxBytes: number, maxBlocks: number }

export class DagTooLargeError extends Error {}

function concat (chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const whole = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0))
  let offset = 0
  for (const chunk of chunks) {
    whole.set(chunk, offset)
    offset += chunk.byteLength
  }
  return whole
}

/**
 * Fetches every block of the DAG under `cid` this node lacks (each checked against its CID and written to
 * the blockstore as it arrives), and stops with a DagTooLargeError once the DAG passes either budget.
 */
export async function fetchWithin (
  helia: DagStore, cid: CID, limits: DagLimits, signal: AbortSignal, onFetched: (cid: CID) => void
): Promise<number> {
  let bytes = 0
  const seen = new Set<string>()
  const queue = [cid]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next.toString())) continue
    seen.add(next.toString())
    if (seen.size > limits.maxBlocks) throw new DagTooLargeError(`the DAG has more than ${limits.maxBlocks} blocks`)
    const held = await helia.blockstore.has(next, { signal })
    const chunks: Uint8Array[] = []
    for await (const chunk of helia.blockstore.get(next, { signal })) chunks.push(chunk)
    if (!held) onFetched(next)
    const block = concat(chunks)
    bytes += block.byteLength
    if (bytes > limits.maxBytes) throw new DagTooLargeError(`the DAG holds more than ${limits.maxBytes} bytes`)
    const codec = await helia.getCodec(next.code)
    for (const [, link] of createUnsafe({ bytes: block, cid: next, codec }).links()) queue.push(link)
    // links not yet visited count toward the block budget: a block naming a million links stops here
    if (queue.length > limits.maxBlocks) throw new DagTooLargeError(`the DAG has more than ${limits.maxBlocks} blocks`)
  }
  return seen.size
}
