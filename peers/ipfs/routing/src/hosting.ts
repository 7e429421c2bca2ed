// /liftoff/host/1.0.0: "keep this CID and announce it for me". A browser (or any peer nobody can dial and
// that is in no DHT) sends {"cid": "..."} as one length-prefixed JSON frame; the server fetches the whole
// DAG over bitswap from the asker (connected, holding the blocks), pins it, announces itself as its
// provider in the DHT, and only then answers. After that answer, anyone with the CID finds the server.
// Runs in Node and in the browser (web/ uses requestHosting).
import { lpStream } from '@libp2p/utils'
import { CID } from 'multiformats/cid'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Pins } from '@helia/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const HOST_PROTOCOL = '/liftoff/host/1.0.0'
const MAX_FRAME_BYTES = 1024
const REQUEST_TIMEOUT_MS = 10_000

/** What either side needs of a Helia node with libp2p. */
interface Node { libp2p: Libp2p, pins: Pins }

export type HostResponse =
  | { ok: true, cid: string, blocks: number, providerRecords: number }
  | { ok: false, error: string }

export interface HostingOptions {
  /** Fetching the DAG and announcing it must finish within this. */
  timeoutMs: number
  /** Announces `cid` in the DHT; resolves to how many DHT servers took the record (0 is an error). */
  announce: (cid: CID, signal: AbortSignal) => Promise<number>
  onHosted?: (asker: PeerId, response: HostResponse) => void
}

async function host (helia: Node, text: unknown, options: HostingOptions): Promise<HostResponse> {
  let cid: CID
  try {
    cid = CID.parse(String((text as { cid?: unknown } | undefined)?.cid))
  } catch {
    return { ok: false, error: 'expected {"cid": "<a CID>"}' }
  }
  const signal = AbortSignal.timeout(options.timeoutMs)
  try {
    let blocks = 0
    if (!await helia.pins.isPinned(cid, { signal })) for await (const _pinned of helia.pins.add(cid, { signal })) blocks++
    const providerRecords = await options.announce(cid, signal)
    return { ok: true, cid: cid.toString(), blocks, providerRecords }
  } catch (err) {
    return { ok: false, error: signal.aborted ? `could not fetch and announce ${cid} within ${options.timeoutMs} ms` : (err as Error).message }
  }
}

export async function serveHosting (helia: Node, options: HostingOptions): Promise<void> {
  await helia.libp2p.handle(HOST_PROTOCOL, async (stream, connection) => {
    const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    try {
      const frame = await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      let request: unknown
      try {
        request = JSON.parse(new TextDecoder().decode(frame.subarray()))
      } catch {
        request = undefined
      }
      const response = await host(helia, request, options)
      options.onHosted?.(connection.remotePeer, response)
      await frames.write(new TextEncoder().encode(JSON.stringify(response)))
      await stream.close()
    } catch (err) {
      stream.abort(err as Error)
    }
  })
}

/** Asks `server` to host `cid`; this node must stay connected and hold the blocks until the answer. */
export async function requestHosting (helia: Pick<Node, 'libp2p'>, server: PeerId | Multiaddr, cid: CID, signal: AbortSignal): Promise<HostResponse> {
  const stream = await helia.libp2p.dialProtocol(server, HOST_PROTOCOL, { signal })
  const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES * 4 })
  await frames.write(new TextEncoder().encode(JSON.stringify({ cid: cid.toString() })), { signal })
  const response = JSON.parse(new TextDecoder().decode((await frames.read({ signal })).subarray())) as HostResponse
  await stream.close()
  return response
}
