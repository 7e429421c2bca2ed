// /liftoff/pin/1.0.0: "please keep this CID". The client sends {"cid": "..."} as one length-prefixed JSON
// frame; the server fetches the whole DAG over bitswap (from the asking client, which is connected and
// holds it), pins it, and answers with what it now stores. Bad CIDs and slow fetches get error answers.
import { unixfs } from '@helia/unixfs'
import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { CID } from 'multiformats/cid'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Node } from './node.ts'

export const PIN_PROTOCOL = '/liftoff/pin/1.0.0'
const REQUEST_TIMEOUT_MS = 10_000
const MAX_FRAME_BYTES = 4096

export type PinResponse =
  | { ok: true, cid: string, blocks: number, bytes: number, alreadyPinned: boolean }
  | { ok: false, code: 'bad-request' | 'invalid-cid' | 'timeout' | 'failed', error: string }

async function pin (helia: Node, request: unknown, timeoutMs: number): Promise<PinResponse> {
  const text = typeof request === 'object' && request !== null ? (request as { cid?: unknown }).cid : undefined
  if (typeof text !== 'string') return { ok: false, code: 'bad-request', error: 'expected {"cid": string}' }
  let cid: CID
  try {
    cid = CID.parse(text)
  } catch (err) {
    return { ok: false, code: 'invalid-cid', error: `invalid CID "${text}": ${(err as Error).message}` }
  }
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const alreadyPinned = await helia.pins.isPinned(cid, { signal })
    if (!alreadyPinned) for await (const _block of helia.pins.add(cid, { signal })) { /* each yield is one block fetched and pinned */ }
    const stats = await unixfs(helia).stat(cid, { extended: true, offline: true, signal })
    return { ok: true, cid: cid.toString(), blocks: Number(stats.blocks), bytes: Number(stats.dagSize), alreadyPinned }
  } catch (err) {
    if (signal.aborted) return { ok: false, code: 'timeout', error: `could not fetch all of ${cid} within ${timeoutMs} ms` }
    return { ok: false, code: 'failed', error: (err as Error).message }
  }
}

/**
 * lpStream's varint length decoder, refusing a prefix longer than any allowed length needs: lpStream checks
 * a prefix's length only once it decodes, so a peer sending 0xff bytes would be buffered until the deadline.
 */
function boundedLength (maxDataLength: number): (data: Parameters<typeof varint.decode>[0]) => number {
  const longest = varint.encodingLength(maxDataLength)
  return data => {
    if (data.byteLength > longest) throw Object.assign(new Error(`length prefix over ${longest} bytes`), { name: 'InvalidDataLengthLengthError' })
    return varint.decode(data)
  }
}

export interface ServePinsOptions {
  timeoutMs: number
  onPin?: (remotePeer: PeerId, response: PinResponse) => void
}

export function servePins (helia: Node, options: ServePinsOptions): Promise<void> {
  return helia.libp2p.handle(PIN_PROTOCOL, async (stream, connection) => {
    const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES, lengthDecoder: boundedLength(MAX_FRAME_BYTES) })
    try {
      // the request must arrive whole within REQUEST_TIMEOUT_MS: an idle or trickling stream is reset
      const frame = await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      let request: unknown
      try {
        request = JSON.parse(new TextDecoder().decode(frame.subarray()))
      } catch {
        request = undefined
      }
      const response = await pin(helia, request, options.timeoutMs)
      options.onPin?.(connection.remotePeer, response)
      await frames.write(new TextEncoder().encode(JSON.stringify(response)))
      await stream.close()
    } catch (err) {
      // a peer that closed before sending a whole request is closed too; any other failure resets
      if ((err as Error).name === 'UnexpectedEOFError') await stream.close().catch(() => {})
      else stream.abort(err as Error)
    }
  })
}

/** Asks `server` to pin `cid`; the caller's node must stay online and hold the blocks until this resolves. */
export async function requestPin (helia: Node, server: PeerId | Multiaddr, cid: CID, options: { signal?: AbortSignal } = {}): Promise<PinResponse> {
  const stream = await helia.libp2p.dialProtocol(server, PIN_PROTOCOL, options)
  const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  await frames.write(new TextEncoder().encode(JSON.stringify({ cid: cid.toString() })), options)
  const response = JSON.parse(new TextDecoder().decode((await frames.read(options)).subarray())) as PinResponse
  await stream.close()
  return response
}
