// Knowing that replication happened, without polling. OrbitDB replicates by itself (pubsub + a heads
// exchange when peers meet), but a client that is about to exit wants to know its writes reached the
// always-on peer. /liftoff/orbitdb-host/1.0.0 is a request/response protocol (one length-prefixed JSON
// frame each way) with two requests:
//   {"op":"host","address":…}               the server opens (and from then on keeps) that database and
//                                           answers with its current heads;
//   {"op":"await","address":…,"heads":[…],"blocks":n}
//                                           the server joins those entries and answers once its log holds them
//                                           all. The asker may follow the request with n frames, each the block
//                                           of an entry it expects the server lacks: the server stores those that
//                                           are entries of this log (unpinned), and fetches whatever else it
//                                           lacks from the asker (Bitswap). Pushing saves a round trip per level
//                                           of the log; the join checks every entry's writer and signature.
import { lpStream } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { Entry, isValidAddress, type Document, type DocumentsDatabase, type LogEntry } from '@orbitdb/core'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** Any Helia node (Node.js or the browser's): only its libp2p is used here. */
type Node = { libp2p: Libp2p }

/** A server also stores the blocks writers push, beside Bitswap (src/node.ts says why). */
type ServerNode = Node & { storeQuietly: (cid: CID, bytes: Uint8Array) => Promise<void> }

export const HOST_PROTOCOL = '/liftoff/orbitdb-host/1.0.0'
const MAX_FRAME_BYTES = 64 * 1024
const REQUEST_TIMEOUT_MS = 10_000
/** Most entry blocks one `await` may push; the server fetches the rest. */
export const MAX_PUSHED_BLOCKS = 1000

export type HostRequest =
  | { op: 'host', address: string }
  | { op: 'await', address: string, heads: string[], timeoutMs: number, blocks?: number }

export type HostResponse =
  | { ok: true, address: string, heads: string[], entries: number }
  | { ok: false, error: string }

export async function headsOf<T extends Document> (db: DocumentsDatabase<T>): Promise<string[]> {
  return (await db.log.heads()).map(entry => entry.hash)
}

/** Resolves once `db` holds every entry in `hashes`, checking again on each 'update' event. */
export async function waitForEntries<T extends Document> (db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const check = (): void => {
    Promise.all(hashes.map(async hash => db.log.has(hash)))
      .then(present => { if (present.every(Boolean)) resolve() }, reject)
  }
  const onAbort = (): void => reject(new Error(`${hashes.length} awaited entries did not all arrive in time`))
  db.events.on('update', check)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    check()
    await promise
  } finally {
    db.events.off('update', check)
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Fetches the entries reachable from `hashes` that the log lacks, one level of the DAG at a time with the whole
 * level asked for at once, and outside OrbitDB's join queue: a database joins one batch at a time, and
 * joinEntry fetching as it walks kept every other writer waiting on this one's round trips. The join that
 * follows finds the entries stored and only checks them. Only entries of this log by writers the access
 * controller allows are followed further, so nobody else can make this peer fetch. Entries the asker pushed
 * (`pushed`, decoded already) are taken from there instead of the store.
 */
async function fetchMissing<T extends Document> (db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal, pushed = new Map<string, LogEntry>()): Promise<void> {
  const seen = new Set<string>()
  let level = hashes
  while (level.length > 0 && !signal.aborted) {
    const unseen = [...new Set(level)].filter(hash => !seen.has(hash))
    for (const hash of unseen) seen.add(hash)
    const fetched = await Promise.all(unseen.map(async hash => await db.log.has(hash) ? undefined : pushed.get(hash) ?? db.log.get(hash)))
    const followed = await Promise.all(fetched.map(async entry => entry !== undefined && entry.id === db.address && await db.access.canAppend(entry) ? entry : undefined))
    level = followed.flatMap(entry => entry === undefined ? [] : [...entry.next, ...entry.refs])
  }
}

/**
 * An IPFS access controller's answer depends only on the entry's identity (named by its hash, so its content
 * cannot change) and on a write list fixed when the database was made: the server remembers whom it allowed.
 * OrbitDB asks for every entry it joins, and each asking read and decoded the writer's identity again.
 * Askers at the same time share one answer: two fetches of the same new identity at once (OrbitDB's sync and
 * a hosting request) sometimes left one waiting out its 30 s timeout. Not for other access controllers:
 * OrbitDB's own can grant and revoke.
 */
export function rememberAllowedWriters (db: DocumentsDatabase<Document>): void {
  if (db.access.type !== 'ipfs') return
  const canAppend = db.access.canAppend
  const allowed = new Set<string>()
  const asking = new Map<string, Promise<boolean>>()
  db.access.canAppend = async entry => {
    if (allowed.has(entry.identity)) return true
    let may = asking.get(entry.identity)
    if (may === undefined) {
      may = canAppend(entry).finally(() => asking.delete(entry.identity))
      asking.set(entry.identity, may)
    }
    if (await may) allowed.add(entry.identity)
    return may
  }
}

/**
 * Resolves once `db` holds the entries `hashes` and all they point to: fetched here by hash from connected
 * peers (Bitswap; OrbitDB checks every entry's signature and writer), or brought by OrbitDB's own replication,
 * whichever is first (`fetched`: fetchMissing ran already). OrbitDB's heads exchange alone is not enough: it
 * writes heads to its stream unframed, a busy peer that reads two at once decodes neither ("CBOR decode
 * error") and nobody asks again.
 */
export async function joinEntries<T extends Document> (db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal, options: { fetched?: boolean } = {}): Promise<void> {
  const done = new AbortController() // whichever way they came, stop the other
  const stop = AbortSignal.any([signal, done.signal])
  const fetchAndJoin = async (): Promise<void> => {
    if (options.fetched !== true) await fetchMissing(db, hashes, stop)
    for (const hash of hashes) {
      if (stop.aborted) return
      if (await db.log.has(hash)) continue
      const entry = await db.log.get(hash)
      if (entry === undefined) throw new Error(`could not fetch entry ${hash}`)
      // emitted as for an entry OrbitDB replicated itself, so its listeners (the server's re-announce) see it
      if (await db.log.joinEntry(entry)) db.events.emit('update', entry)
    }
  }
  const arrived = waitForEntries(db, hashes, stop)
  try {
    await Promise.race([arrived, fetchAndJoin().catch(async () => arrived)])
  } finally {
    done.abort()
  }
  // OrbitDB indexes a joined entry before the entries behind it, so a join still running (its own
  // replication's) can show the heads while their past is not in yet. Joining the heads again waits in
  // OrbitDB's join queue until that join is done, and adds nothing.
  for (const hash of hashes) {
    const entry = await db.log.get(hash)
    if (entry !== undefined) await db.log.joinEntry(entry)
  }
}

/**
 * The entries this log holds that are reachable from `from` (the awaited heads: what the asker has), or from
 * the log's heads when `from` is empty (all of it), walked along `next`; `known` are entries decoded already
 * (what the asker pushed). OrbitDB's own traverse re-sorts its whole stack at every step: counting a
 * 10,000-entry log that way took seconds of a busy server's time, for every client that synced.
 */
async function countEntries<T extends Document> (db: DocumentsDatabase<T>, from: string[], known = new Map<string, LogEntry>()): Promise<number> {
  const roots = from.length === 0 ? await headsOf(db) : from
  const seen = new Set<string>()
  let level = roots
  let count = 0
  while (level.length > 0) {
    const next: string[] = []
    for (const hash of level) {
      if (seen.has(hash) || !await db.log.has(hash)) continue
      seen.add(hash)
      const entry = known.get(hash) ?? await db.log.get(hash)
      if (entry === undefined) continue
      count++
      next.push(...entry.next)
    }
    level = next
  }
  return count
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

/** The request in a frame, or the error answer for a frame that is not one. */
function parseRequest (frame: Uint8Array): HostRequest | string {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(frame))
  } catch {
    return 'the request is not JSON'
  }
  const { op, address, heads, timeoutMs, blocks } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  if (op === 'host' && typeof address === 'string') return { op, address }
  const blockCount = blocks ?? 0
  if (op === 'await' && typeof address === 'string' && Array.isArray(heads) && heads.every(head => typeof head === 'string') && typeof timeoutMs === 'number' && timeoutMs > 0 &&
    typeof blockCount === 'number' && Number.isInteger(blockCount) && blockCount >= 0 && blockCount <= MAX_PUSHED_BLOCKS) {
    return { op, address, heads, timeoutMs, blocks: blockCount }
  }
  return `expected {"op":"host","address":string} or {"op":"await","address":string,"heads":string[],"timeoutMs":number>0,"blocks"?:0..${MAX_PUSHED_BLOCKS}}`
}

export interface Host {
  /** Opens `address` (if not yet open) and keeps it; resolves with the open database. */
  host: (address: string) => Promise<DocumentsDatabase<Document>>
  maxWaitMs: number
  /** Keeps a pushed entry's block (already stored) where the join will read it first. */
  cache?: (address: string, hash: string, bytes: Uint8Array) => Promise<void>
  onAnswer?: (remotePeer: PeerId, request: HostRequest, response: HostResponse) => void
}

// #region serve
export function serveHosting (helia: ServerNode, host: Host): Promise<void> {
  return helia.libp2p.handle(HOST_PROTOCOL, (stream, connection) => {
    const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES, lengthDecoder: boundedLength(MAX_FRAME_BYTES) })
    void (async () => {
      try {
        // the request must arrive whole within REQUEST_TIMEOUT_MS: an idle or trickling stream is reset
        const request = parseRequest((await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).subarray())
        // pushed blocks follow the request, all within the time the asker gave the whole request
        const pushed: Uint8Array[] = []
        if (typeof request !== 'string' && request.op === 'await' && (request.blocks ?? 0) > 0) {
          const count = request.blocks ?? 0
          const signal = AbortSignal.timeout(Math.min(request.timeoutMs, host.maxWaitMs))
          while (pushed.length < count) pushed.push((await frames.read({ signal })).subarray())
        }
        const response = typeof request === 'string' ? { ok: false as const, error: request } : await answer(helia, host, request, pushed)
        if (typeof request !== 'string') host.onAnswer?.(connection.remotePeer, request, response)
        await frames.write(new TextEncoder().encode(JSON.stringify(response)))
        await stream.close()
      } catch (err) {
        // a peer that closed before sending a whole request is closed too; any other failure resets
        if ((err as Error).name === 'UnexpectedEOFError') await stream.close().catch(() => {})
        else stream.abort(err as Error)
      }
    })()
  })
}
// #endregion

/**
 * The pushed blocks that are entries of this log, decoded; anything else is dropped. The writer is not
 * checked here: that can need the writer's identity from the network, and the join checks it anyway.
 */
async function entriesOfLog (db: DocumentsDatabase<Document>, pushed: Uint8Array[]): Promise<Array<{ entry: LogEntry, bytes: Uint8Array }>> {
  const decoded = await Promise.all(pushed.map(async bytes => ({ entry: await Entry.decode(bytes).catch(() => undefined), bytes })))
  return decoded.flatMap(({ entry, bytes }) => entry !== undefined && entry.id === db.address ? [{ entry, bytes }] : [])
}

/**
 * One `await`'s join at a time per database, in arrival order (OrbitDB joins one batch at a time anyway), with
 * its preparation at most one turn ahead (`oneTurnAhead`): the first asker is answered as soon as its own
 * entries are in, instead of everyone at the end, and a burst of pushes (20 writers × 500 entries) does not
 * starve the event loop until streams time out in their protocol negotiation.
 */
const awaitQueues = new Map<string, Promise<unknown>>()
async function inTurn<R> (address: string, work: () => Promise<R>): Promise<R> {
  const previous = awaitQueues.get(address) ?? Promise.resolve()
  const turn = previous.then(work, work)
  const settled = turn.catch(() => {})
  awaitQueues.set(address, settled)
  void settled.then(() => { if (awaitQueues.get(address) === settled) awaitQueues.delete(address) })
  return turn
}

/**
 * Each `await`'s own work before its join (decoding, storing and caching the pushed entries, checking their signatures
 * on libuv's threads, fetching what was not pushed) runs while the `await` before it joins, so its join finds
 * the entries in memory and the signatures remembered (src/signatures.ts). One turn ahead, no more: every
 * asker's checks at once filled libuv's queue, and the first join's disk reads waited behind all of them.
 */
const previousTurnStarts = new Map<string, Promise<void>>()
function oneTurnAhead<R> (address: string, work: () => Promise<R>): { prepared: Promise<R>, turnStarted: () => void } {
  const { promise: started, resolve: turnStarted } = Promise.withResolvers<void>()
  const previousStarted = previousTurnStarts.get(address) ?? Promise.resolve()
  previousTurnStarts.set(address, started)
  void started.then(() => { if (previousTurnStarts.get(address) === started) previousTurnStarts.delete(address) })
  return { prepared: previousStarted.then(work), turnStarted }
}

async function answer (helia: ServerNode, host: Host, request: HostRequest, pushed: Uint8Array[]): Promise<HostResponse> {
  if (!isValidAddress(request.address)) return { ok: false, error: `not an OrbitDB address: "${request.address}"` }
  try {
    const db = await host.host(request.address)
    if (request.op === 'await') {
      const { heads, timeoutMs } = request
      const signal = AbortSignal.timeout(Math.min(timeoutMs, host.maxWaitMs))
      const { prepared, turnStarted } = oneTurnAhead(db.address, async () => {
        const entries = await entriesOfLog(db, pushed)
        // stored unpinned: what no join takes is garbage
        await Promise.all(entries.map(async ({ entry, bytes }) => {
          await helia.storeQuietly(CID.parse(entry.hash, base58btc), bytes)
          await host.cache?.(db.address, entry.hash, bytes)
        }))
        // the join checks each entry again, one after another, and finds the answer remembered
        await Promise.all(entries.map(async ({ entry }) => Entry.verify(db.identity, entry).catch(() => false)))
        const decoded = new Map(entries.map(({ entry }) => [entry.hash, entry]))
        // best effort, as in joinEntries: whatever is still missing, the join fetches (or OrbitDB's own sync brings)
        await fetchMissing(db, heads, signal, decoded).catch(() => {})
        return decoded
      })
      const decoded = await inTurn(db.address, async () => {
        turnStarted()
        const decoded = await prepared
        await joinEntries(db, heads, signal, { fetched: true })
        return decoded
      })
      return { ok: true, address: db.address, heads: await headsOf(db), entries: await countEntries(db, heads, decoded) }
    }
    return { ok: true, address: db.address, heads: await headsOf(db), entries: await countEntries(db, []) }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

export async function askServer (helia: Node, server: PeerId, request: HostRequest, signal: AbortSignal, blocks: Uint8Array[] = []): Promise<HostResponse & { ok: true }> {
  const stream = await helia.libp2p.dialProtocol(server, HOST_PROTOCOL, { signal })
  const frames = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  // one write for the request and its blocks: a write per block made a Yamux frame each, and the server
  // answered every frame with a window update (a socket write and a Noise message): a third of its work
  await frames.writeV([new TextEncoder().encode(JSON.stringify(request.op === 'await' ? { ...request, blocks: blocks.length } : request)), ...blocks], { signal })
  const response = JSON.parse(new TextDecoder().decode((await frames.read({ signal })).subarray())) as HostResponse
  await stream.close()
  if (!response.ok) throw new Error(`server refused ${request.op} of ${request.address}: ${response.error}`)
  return response
}

/**
 * The blocks of this log's entries the server most likely lacks: from the heads back along `next`, up to the
 * heads the server said it has (`serverHeads`, none if unknown) and no older than the oldest of them (by
 * Lamport time). A guess that costs nothing when wrong: the server fetches whatever it still lacks.
 */
export async function entriesToPush<T extends Document> (db: DocumentsDatabase<T>, serverHeads: string[]): Promise<Uint8Array[]> {
  const known = new Set(serverHeads)
  const knownHeads = (await Promise.all(serverHeads.map(async hash => db.log.get(hash)))).filter((entry): entry is LogEntry => entry !== undefined)
  const oldest = Math.min(...knownHeads.map(entry => entry.clock.time))
  const blocks: Uint8Array[] = []
  const seen = new Set<string>()
  let level = (await db.log.heads()).filter(entry => !known.has(entry.hash))
  while (level.length > 0 && blocks.length < MAX_PUSHED_BLOCKS) {
    const next: string[] = []
    for (const entry of level) {
      if (seen.has(entry.hash) || blocks.length >= MAX_PUSHED_BLOCKS) continue
      seen.add(entry.hash)
      const bytes = await db.log.storage.get(entry.hash)
      if (bytes !== undefined && bytes.byteLength <= MAX_FRAME_BYTES) blocks.push(bytes)
      next.push(...entry.next.filter(hash => !known.has(hash) && !seen.has(hash)))
    }
    const entries = (await Promise.all(next.map(async hash => db.log.get(hash)))).filter((entry): entry is LogEntry => entry !== undefined)
    level = entries.filter(entry => knownHeads.length === 0 || entry.clock.time > oldest)
  }
  return blocks
}

/**
 * Two-way sync with the server: ask it to host the database (which returns its heads), join those heads,
 * then ask it to join ours. Afterwards both sides have each other's writes.
 */
export async function syncWithServer<T extends Document> (helia: Node, server: PeerId, db: DocumentsDatabase<T>, timeoutMs: number): Promise<{ serverEntries: number }> {
  const signal = AbortSignal.timeout(timeoutMs)
  // the deadline firing mid-read surfaces as the stream's bare "Read aborted": say which deadline it was
  const beforeDeadline = async <R>(what: string, work: Promise<R>): Promise<R> => work.catch((err: Error) => {
    throw signal.aborted ? new Error(`${what} within ${timeoutMs} ms (${err.message})`) : err
  })
  const hosted = await beforeDeadline('the server did not answer', askServer(helia, server, { op: 'host', address: db.address }, signal))
  await joinEntries(db, hosted.heads, signal).catch((err: Error) => {
    throw new Error(`did not receive the server's entries within ${timeoutMs} ms (${err.message})`)
  })
  const confirmed = await beforeDeadline('the server did not confirm our entries', askServer(helia, server, { op: 'await', address: db.address, heads: await headsOf(db), timeoutMs }, signal, await entriesToPush(db, hosted.heads)))
  return { serverEntries: confirmed.entries }
}
