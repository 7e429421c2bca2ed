// /liftoff/pin/1.0.0: "please keep this CID". The client sends {"cid": "..."} as one length-prefixed JSON
// frame; the server checks the asker is on its allow-list before it fetches anything, fetches the whole DAG
// over bitswap (from the asking client, which holds it) within a byte and block budget, pins it once all of
// it is here, and answers with what it now stores. A refused or failed request leaves nothing behind.
import { unixfs } from '@helia/unixfs'
import { lpStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { drain, fetchDag, DagTooLargeError } from './files.ts'
import type { Node } from './node.ts'
import { boundedLength } from './workarounds/bounded-length.ts'

export const PIN_PROTOCOL = '/liftoff/pin/1.0.0'
const REQUEST_TIMEOUT_MS = 10_000
const MAX_FRAME_BYTES = 4096

/** Who may ask this server to pin, and how much one request may cost it (src/run/config.ts reads them). */
export interface PinLimits {
  /** The peer IDs that may ask; empty refuses everyone. */
  allowPeers: Set<string>
  /** Fetching the whole DAG must finish within this. */
  timeoutMs: number
  /** The most bytes of blocks, and the most blocks, one pinned DAG may hold. */
  maxBytes: number
  maxBlocks: number
  /** Pin requests one peer may have in progress at once. */
  maxConcurrentPerPeer: number
}

type Refusal = 'not-allowed' | 'busy' | 'too-large' | 'bad-request' | 'invalid-cid' | 'timeout' | 'failed'
export type PinResponse =
  | { ok: true, cid: string, blocks: number, bytes: number, alreadyPinned: boolean }
  | { ok: false, code: Refusal, error: string }

function parseRequest (request: unknown): CID | PinResponse {
  const text = typeof request === 'object' && request !== null ? (request as { cid?: unknown }).cid : undefined
  if (typeof text !== 'string') return { ok: false, code: 'bad-request', error: 'expected {"cid": string}' }
  try {
    return CID.parse(text)
  } catch (err) {
    return { ok: false, code: 'invalid-cid', error: `invalid CID "${text}": ${(err as Error).message}` }
  }
}

// #region pin
async function pin (helia: Node, cid: CID, limits: PinLimits): Promise<PinResponse> {
  const signal = AbortSignal.timeout(limits.timeoutMs)
  const fetched: CID[] = []
  try {
    const alreadyPinned = await helia.pins.isPinned(cid, { signal })
    if (!alreadyPinned) {
      // the whole DAG first, within the budget; only then the pin, from local blocks
      const { maxBlocks, maxBytes } = limits
      await fetchDag(helia, cid, { signal, maxBlocks, maxBytes, onFetched: block => fetched.push(block) })
      // no signal: an abort half-way would leave some blocks marked pinned under no pin
      await drain(helia.pins.add(cid))
    }
    const stats = await unixfs(helia).stat(cid, { extended: true, offline: true, signal })
    const [blocks, bytes] = [Number(stats.blocks), Number(stats.dagSize)]
    return { ok: true, cid: cid.toString(), blocks, bytes, alreadyPinned }
  } catch (err) {
    // blocks fetched for a pin that did not happen are not kept (a block another pin holds stays)
    for (const block of fetched) {
      if (!(await helia.pins.isPinned(block))) await helia.localBlockstore.delete(block)
    }
    if (err instanceof DagTooLargeError) return { ok: false, code: 'too-large', error: `${cid}: ${err.message}` }
    if (signal.aborted) {
      return { ok: false, code: 'timeout', error: `could not fetch all of ${cid} within ${limits.timeoutMs} ms` }
    }
    return { ok: false, code: 'failed', error: (err as Error).message }
  }
}
// #endregion

export interface ServePinsOptions {
  limits: PinLimits
  onPin?: (remotePeer: PeerId, response: PinResponse) => void
}

export function servePins (helia: Node, options: ServePinsOptions): Promise<void> {
  const { limits } = options
  const running = new Map<string, number>() // pin requests in progress, by asking peer
  return helia.libp2p.handle(PIN_PROTOCOL, async (stream, connection) => {
    const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES, lengthDecoder: boundedLength(MAX_FRAME_BYTES) })
    const asker = connection.remotePeer.toString()
    let counted = false
    try {
      // the request must arrive whole within REQUEST_TIMEOUT_MS: an idle or trickling stream is reset
      const frame = await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      let request: unknown
      try {
        request = JSON.parse(new TextDecoder().decode(frame.subarray()))
      } catch {
        request = undefined
      }
      let response = parseRequest(request)
      if (response instanceof CID) {
        const cid = response
        const inProgress = running.get(asker) ?? 0
        if (!limits.allowPeers.has(asker)) {
          const error = `peer ${asker} may not pin on this server: it is not in the server's PIN_ALLOW_PEERS`
          response = { ok: false, code: 'not-allowed', error }
        } else if (inProgress >= limits.maxConcurrentPerPeer) {
          const error = `peer ${asker} already has ${inProgress} pin requests in progress ` +
            `(PIN_MAX_CONCURRENT_PER_PEER=${limits.maxConcurrentPerPeer})`
          response = { ok: false, code: 'busy', error }
        } else {
          running.set(asker, inProgress + 1)
          counted = true
          response = await pin(helia, cid, limits)
        }
      }
      options.onPin?.(connection.remotePeer, response)
      await frames.write(new TextEncoder().encode(JSON.stringify(response)))
      await stream.close()
    } catch (err) {
      // a peer that closed before sending a whole request is closed too; any other failure resets
      if ((err as Error).name === 'UnexpectedEOFError') await stream.close().catch(() => {})
      else stream.abort(err as Error)
    } finally {
      if (counted) {
        const left = (running.get(asker) ?? 1) - 1
        if (left === 0) running.delete(asker)
        else running.set(asker, left)
      }
    }
  })
}

// #region request
/** Asks `server` to pin `cid`; the caller's node must stay online and hold the blocks until this resolves. */
export async function requestPin (helia: Node, server: PeerId | Multiaddr, cid: CID,
  options: { signal?: AbortSignal } = {}): Promise<PinResponse> {
  const stream = await helia.libp2p.dialProtocol(server, PIN_PROTOCOL, options)
  const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  await frames.write(new TextEncoder().encode(JSON.stringify({ cid: cid.toString() })), options)
  const response = JSON.parse(new TextDecoder().decode((await frames.read(options)).subarray())) as PinResponse
  await stream.close()
  return response
}
// #endregion
