// /liftoff/host/1.0.0: "keep this CID and announce it for me", for a peer nobody can dial (a browser). The
// asker sends {"cid": "..."} as one length-prefixed JSON frame; an allowed asker's DAG is fetched over bitswap
// within a budget, pinned once all of it is here and announced in the DHT, and only then answered. A refused
// or failed request keeps nothing. Runs in Node and in the browser (web/ uses requestHosting).
import { lpStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import { DagTooLargeError, fetchWithin } from './fetch-dag.ts'
import { boundedLength } from './workarounds/bounded-length.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Pins } from '@helia/interface'
import type { DagStore } from './fetch-dag.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

export const HOST_PROTOCOL = '/liftoff/host/1.0.0'
const MAX_FRAME_BYTES = 1024
const REQUEST_TIMEOUT_MS = 10_000

/** What the asking side needs of a Helia node. */
interface Asker { libp2p: Libp2p }

/** What the hosting side needs: a Helia node, and the store under it to drop blocks a refused request fetched. */
interface Host extends Asker, DagStore {
  pins: Pins
  localBlockstore: { delete: (cid: CID) => Promise<void> | void }
}

export type HostResponse =
  | { ok: true, cid: string, blocks: number, providerRecords: number }
  | { ok: false, code: 'not-allowed' | 'busy' | 'too-large' | 'bad-request' | 'timeout' | 'failed', error: string }

/** Who may ask, and how much one request may cost (src/run/config.ts reads them from the environment). */
export interface HostingLimits {
  /** HOSTING_ALLOW_PEERS: the peer IDs that may ask; empty refuses everyone. */
  allowPeers: Set<string>
  /** HOSTING_MAX_BYTES: the most bytes of blocks one hosted DAG may hold. */
  maxBytes: number
  /** HOSTING_MAX_BLOCKS: the most blocks one hosted DAG may have. */
  maxBlocks: number
  /** HOSTING_MAX_CONCURRENT_PER_PEER: requests one peer may have in progress at once. */
  maxConcurrentPerPeer: number
  /** Fetching the DAG and announcing it must finish within this. */
  timeoutMs: number
}

export interface HostingOptions {
  limits: HostingLimits
  /** Announces `cid` in the DHT; resolves to how many DHT servers took the record (0 is an error). */
  announce: (cid: CID, signal: AbortSignal) => Promise<number>
  onHosted?: (asker: PeerId, response: HostResponse) => void
}

/** Runs a pin operation to its end (each yield is one block pinned or unpinned). */
async function drain (operation: AsyncIterable<unknown>): Promise<void> {
  const blocks = operation[Symbol.asyncIterator]()
  while ((await blocks.next()).done !== true) { /* the next block */ }
}

async function host (helia: Host, cid: CID, options: HostingOptions): Promise<HostResponse> {
  const { limits } = options
  const signal = AbortSignal.timeout(limits.timeoutMs)
  const fetched: CID[] = []
  let pinnedHere = false
  try {
    let blocks = 0
    if (!await helia.pins.isPinned(cid, { signal })) {
      blocks = await fetchWithin(helia, cid, limits, signal, block => fetched.push(block))
      // no signal: an abort half-way would leave some blocks marked pinned under no pin
      await drain(helia.pins.add(cid))
      pinnedHere = true
    }
    const providerRecords = await options.announce(cid, signal)
    return { ok: true, cid: cid.toString(), blocks, providerRecords }
  } catch (err) {
    // a request that failed keeps nothing: not the pin it made (an announcement that failed), nor the
    // blocks it fetched (a block another pin holds stays)
    if (pinnedHere) await drain(helia.pins.rm(cid))
    for (const block of fetched) if (!(await helia.pins.isPinned(block))) await helia.localBlockstore.delete(block)
    if (err instanceof DagTooLargeError) return { ok: false, code: 'too-large', error: `${cid}: ${err.message}` }
    if (signal.aborted) {
      return { ok: false, code: 'timeout', error: `could not fetch and announce ${cid} within ${limits.timeoutMs} ms` }
    }
    return { ok: false, code: 'failed', error: (err as Error).message }
  }
}

function parseRequest (frame: Uint8Array): CID | undefined {
  try {
    return CID.parse(String((JSON.parse(new TextDecoder().decode(frame)) as { cid?: unknown } | undefined)?.cid))
  } catch {
    return undefined
  }
}

export async function serveHosting (helia: Host, options: HostingOptions): Promise<void> {
  const { limits } = options
  const running = new Map<string, number>() // requests in progress, by asking peer
  await helia.libp2p.handle(HOST_PROTOCOL, async (stream, connection) => {
    const frames = lpStream(stream, {
      maxDataLength: MAX_FRAME_BYTES, lengthDecoder: boundedLength(MAX_FRAME_BYTES)
    })
    const asker = connection.remotePeer.toString()
    let counted = false
    try {
      const cid = parseRequest((await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).subarray())
      const inProgress = running.get(asker) ?? 0
      let response: HostResponse
      if (cid === undefined) {
        response = { ok: false, code: 'bad-request', error: 'expected {"cid": "<a CID>"}' }
      } else if (!limits.allowPeers.has(asker)) {
        const error = `peer ${asker} may not ask this server to host: it is not in the server's HOSTING_ALLOW_PEERS`
        response = { ok: false, code: 'not-allowed', error }
      } else if (inProgress >= limits.maxConcurrentPerPeer) {
        const error = `peer ${asker} already has ${inProgress} hosting requests in progress ` +
          `(HOSTING_MAX_CONCURRENT_PER_PEER=${limits.maxConcurrentPerPeer})`
        response = { ok: false, code: 'busy', error }
      } else {
        running.set(asker, inProgress + 1)
        counted = true
        response = await host(helia, cid, options)
      }
      options.onHosted?.(connection.remotePeer, response)
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

/** Asks `server` to host `cid`; this node must stay connected and hold the blocks until the answer. */
export async function requestHosting (
  helia: Asker, server: PeerId | Multiaddr, cid: CID, signal: AbortSignal
): Promise<HostResponse> {
  const stream = await helia.libp2p.dialProtocol(server, HOST_PROTOCOL, { signal })
  const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES * 4 })
  await frames.write(new TextEncoder().encode(JSON.stringify({ cid: cid.toString() })), { signal })
  const response = JSON.parse(new TextDecoder().decode((await frames.read({ signal })).subarray())) as HostResponse
  await stream.close()
  return response
}
