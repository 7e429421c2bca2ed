// Knowing that replication happened, without polling. OrbitDB replicates by itself (pubsub + a heads
// exchange when peers meet), but a client that is about to exit wants to know its writes reached the
// always-on peer. /liftoff/orbitdb-host/1.0.0 is a request/response protocol (one length-prefixed JSON
// frame each way) with two requests:
//   {"op":"host","address":…}               the server opens (and from then on keeps) that database, if the
//                                           operator allows it (src/host-policy.ts), and answers with its heads;
//   {"op":"await","address":…,"heads":[…],"blocks":n}
//                                           for a database the server keeps: it joins those entries and answers
//                                           once its log holds them all. The asker follows the request with n
//                                           frames, each the block of an entry it expects the server lacks; every
//                                           head must be one the server holds or one pushed. Pushed blocks are
//                                           checked before anything is stored (each the block of an awaited head
//                                           or of an entry behind one, signed by a writer the access controller
//                                           lists) and the server fetches what else it lacks from the asker
//                                           (Bitswap), following only checked entries. What no join took is
//                                           deleted again. Pushing saves a round trip per level of the log.
// Any refusal is one error answer ({"ok":false,"error":…}) on the stream.
import { varint } from 'multiformats'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { FramedStream, LengthPrefix, Major, OrbitDBMajor, PeerLike } from './major.ts'
import type { Document, DocumentsDatabase, LogEntry } from './orbitdb.ts'
import type { QuietBlocks } from './quiet-blockstore.ts'

/** A server also stores the blocks writers push, beside Bitswap, and deletes those no join took. */
type ServerNode<N> = N & QuietBlocks

export const HOST_PROTOCOL = '/liftoff/orbitdb-host/1.0.0'
const MAX_FRAME_BYTES = 64 * 1024
const REQUEST_TIMEOUT_MS = 10_000
/** Most entry blocks one `await` may push, unless the server says otherwise (MAX_PUSH_BLOCKS); it fetches the rest. */
export const MAX_PUSHED_BLOCKS = 1000
/** Most bytes of blocks one `await` may push, unless the server says otherwise (MAX_PUSH_BYTES). */
export const MAX_PUSHED_BYTES = 4 * 1024 * 1024
/** The DAG-CBOR codec's multicodec: OrbitDB's entries are DAG-CBOR blocks. */
const DAG_CBOR = 0x71

/** Why a request was refused: the label of liftoff_host_refusals_total, a fixed set. */
export type Refusal =
  'malformed' | 'busy' | 'not-allowed' | 'hosting-cap' | 'not-hosted' | 'push-too-large' | 'bad-block' | 'not-a-writer'

/** A request the server will not do: answered as one error on the stream, and counted by `reason`. */
export class HostRefusal extends Error {
  readonly reason: Refusal
  constructor (reason: Refusal, message: string) {
    super(message)
    this.reason = reason
  }
}

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
export async function waitForEntries<T extends Document> (
  db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal
): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const check = (): void => {
    Promise.all(hashes.map(async hash => db.log.has(hash)))
      .then(present => { if (present.every(Boolean)) resolve() }, reject)
  }
  const onAbort = (): void => reject(new Error(`${hashes.length} awaited entries did not all arrive in time`))
  db.events.on('update', check)
  signal.addEventListener('abort', onAbort, { once: true })
  if (signal.aborted) onAbort() // a deadline spent before (an await's preparation) is spent: no event comes
  try {
    check()
    await promise
  } finally {
    db.events.off('update', check)
    signal.removeEventListener('abort', onAbort)
  }
}

/** `work`, or its rejection once `signal` aborts (the work itself goes on, unawaited). */
async function beforeAbort<R> (signal: AbortSignal, work: Promise<R>): Promise<R> {
  signal.throwIfAborted()
  const { promise, reject } = Promise.withResolvers<never>()
  const onAbort = (): void => reject(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([work, promise])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Whether `entry` belongs to `db`'s log, is signed by the key it names and written by an identity the access controller
 * allows.
 */
async function writtenByWriter<T extends Document> (
  major: OrbitDBMajor, db: DocumentsDatabase<T>, entry: LogEntry
): Promise<boolean> {
  if (entry.id !== db.address) return false
  // the signature first: checking it needs nothing from the network, the writer's identity may
  if (!await major.orbitdb.Entry.verify(db.identity, entry).catch(() => false)) return false
  return db.access.canAppend(entry).catch(() => false)
}

/**
 * Fetches the entries reachable from `hashes` that the log lacks, one level of the DAG at a time with the whole
 * level asked for at once, and outside OrbitDB's join queue: a database joins one batch at a time, and
 * joinEntry fetching as it walks kept every other writer waiting on this one's round trips. The join that
 * follows finds the entries stored and only checks them. Only entries of this log signed by writers the access
 * controller allows are followed further, so nobody else can make this peer fetch more than what they name.
 * Entries the asker pushed (`pushed`, checked already) are taken from there instead of the store; at most
 * `limit` are fetched, and each fetched hash is added to `fetched` (a server deletes what no join took).
 */
async function fetchMissing<T extends Document> (
  major: OrbitDBMajor, db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal,
  pushed = new Map<string, LogEntry>(),
  options: { limit?: number, fetched?: Set<string> } = {}
): Promise<void> {
  const seen = new Set<string>()
  const limit = options.limit ?? Infinity
  let fetchedCount = 0
  let level = hashes
  while (level.length > 0 && !signal.aborted) {
    const unseen = [...new Set(level)].filter(hash => !seen.has(hash))
    for (const hash of unseen) seen.add(hash)
    // OrbitDB's block reads wait up to 30 s each: the asker's deadline ends the fetch, not theirs
    const fetched = await beforeAbort(signal, Promise.all(unseen.map(async hash => {
      if (await db.log.has(hash)) return undefined
      const known = pushed.get(hash)
      if (known !== undefined) return known
      if (fetchedCount >= limit) return undefined
      fetchedCount++
      options.fetched?.add(hash)
      return db.log.get(hash)
    })))
    const followed = await Promise.all(fetched.map(async entry =>
      entry !== undefined && (pushed.has(entry.hash) || await writtenByWriter(major, db, entry)) ? entry : undefined))
    level = followed.flatMap(entry => entry === undefined ? [] : [...entry.next, ...entry.refs])
  }
}

/**
 * An IPFS access controller's answer depends only on the entry's identity (named by its hash, so its content
 * cannot change) and on a write list fixed when the database was made: the server remembers whom it allowed,
 * with the identity's public key (`publicKeyOf` reads it from the identity's block, which the access
 * controller has just fetched). OrbitDB asks for every entry it joins, and each asking read and decoded the
 * writer's identity again. Askers at the same time share one answer: two fetches of the same new identity at
 * once (OrbitDB's sync and a hosting request) sometimes left one waiting out its 30 s timeout. OrbitDB checks
 * an entry's signature against the key the entry names and its writer by the identity it names, never that
 * the two belong together: anyone could sign with their own key in a listed writer's name. Here an entry must
 * also name its identity's key. Not for other access controllers: OrbitDB's own can grant and revoke.
 */
export function rememberAllowedWriters (
  db: DocumentsDatabase<Document>, publicKeyOf: (identityHash: string) => Promise<string | undefined>
): void {
  if (db.access.type !== 'ipfs') return
  const canAppend = db.access.canAppend
  const allowed = new Map<string, string>() // identity hash → its public key
  const asking = new Map<string, Promise<string | undefined>>()
  db.access.canAppend = async entry => {
    let key = allowed.get(entry.identity)
    if (key === undefined) {
      let may = asking.get(entry.identity)
      if (may === undefined) {
        may = canAppend(entry)
          .then(async yes => yes ? publicKeyOf(entry.identity) : undefined)
          .finally(() => asking.delete(entry.identity))
        asking.set(entry.identity, may)
      }
      key = await may
      if (key === undefined) return false
      allowed.set(entry.identity, key)
    }
    return entry.key === key
  }
}

/**
 * Resolves once `db` holds the entries `hashes` and all they point to: fetched here by hash from connected
 * peers (Bitswap; OrbitDB checks every entry's signature and writer), or brought by OrbitDB's own replication,
 * whichever is first (`fetched`: fetchMissing ran already). OrbitDB's heads exchange alone is not enough: it
 * writes heads to its stream unframed, a busy peer that reads two at once decodes neither ("CBOR decode
 * error") and nobody asks again.
 */
export async function joinEntries<T extends Document> (
  major: OrbitDBMajor, db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal,
  options: { fetched?: boolean } = {}
): Promise<void> {
  const done = new AbortController() // whichever way they came, stop the other
  const stop = AbortSignal.any([signal, done.signal])
  const fetchAndJoin = async (): Promise<void> => {
    if (options.fetched !== true) await fetchMissing(major, db, hashes, stop)
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
async function countEntries<T extends Document> (
  major: OrbitDBMajor, db: DocumentsDatabase<T>, from: string[], known = new Map<string, LogEntry>()
): Promise<number> {
  const roots = from.length === 0 ? await headsOf(db) : from
  const seen = new Set<string>()
  let level = roots
  let count = 0
  while (level.length > 0) {
    const next: string[] = []
    for (const hash of level) {
      if (seen.has(hash) || !await db.log.has(hash)) continue
      seen.add(hash)
      const entry = known.get(hash) ?? await major.countedEntry(db.log, hash)
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
function boundedLength (maxDataLength: number): (data: LengthPrefix) => number {
  const longest = varint.encodingLength(maxDataLength)
  return data => {
    if (data.byteLength > longest) {
      throw Object.assign(new Error(`length prefix over ${longest} bytes`), { name: 'InvalidDataLengthLengthError' })
    }
    return varint.decode(data.subarray())[0] // an incomplete prefix throws a RangeError: lpStream reads on
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
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const { op, address, heads, timeoutMs, blocks } = fields
  if (op === 'host' && typeof address === 'string') return { op, address }
  const blockCount = blocks ?? 0
  if (op === 'await' && typeof address === 'string' && Array.isArray(heads) &&
    heads.every(head => typeof head === 'string') && typeof timeoutMs === 'number' && timeoutMs > 0 &&
    typeof blockCount === 'number' && Number.isSafeInteger(blockCount) && blockCount >= 0) {
    return { op, address, heads, timeoutMs, blocks: blockCount }
  }
  return 'expected {"op":"host","address":string} or ' +
    '{"op":"await","address":string,"heads":string[],"timeoutMs":number>0,"blocks"?:integer>=0}'
}

/** What one request may cost, and how many run at once (src/run/config.ts names the env vars). */
export interface RequestLimits {
  maxPushBlocks: number
  maxPushBytes: number
  maxRequestsPerPeer: number
  maxRequests: number
}

export interface Host<P extends PeerLike = PeerLike> {
  /**
   * Opens `address` for `asker` (if not yet open) and keeps it; resolves with the open database, or throws a
   * HostRefusal when the operator does not allow it.
   */
  host: (address: string, asker: P) => Promise<DocumentsDatabase<Document>>
  /** The database at `address` if the server keeps it open. */
  hosted: (address: string) => DocumentsDatabase<Document> | undefined
  maxWaitMs: number
  limits: RequestLimits
  /** Keeps a pushed entry's block (already stored) where the join will read it first. */
  cache?: (address: string, hash: string, bytes: Uint8Array) => Promise<void>
  /** Every answer, with the request when one was read and the reason when it was refused. */
  onAnswer?: (
    remotePeer: P, request: HostRequest | undefined, response: HostResponse, refusal: Refusal | undefined
  ) => void
}

/**
 * Counts the requests open per peer and in all; `enter` says why one more is refused, if it is. Each request
 * is counted from its stream's opening, so a peer holding streams open (trickling, or awaiting heads that
 * take long) holds its own places, not everyone's.
 */
function requestCounter (
  limits: RequestLimits
): { enter: (peer: string) => string | undefined, leave: (peer: string) => void } {
  const open = new Map<string, number>()
  let total = 0
  return {
    enter: peer => {
      const mine = open.get(peer) ?? 0
      if (mine >= limits.maxRequestsPerPeer) {
        return `this peer has ${mine} requests open already, the most one peer may (MAX_REQUESTS_PER_PEER)`
      }
      if (total >= limits.maxRequests) return `the server has ${total} requests open already, its most (MAX_REQUESTS)`
      open.set(peer, mine + 1)
      total++
      return undefined
    },
    leave: peer => {
      const mine = (open.get(peer) ?? 1) - 1
      if (mine === 0) open.delete(peer)
      else open.set(peer, mine)
      total--
    }
  }
}

/**
 * The blocks an `await` pushes, read within the time the asker gave the whole request, refused as soon as
 * they exceed the server's bounds: an asker can make the server hold at most MAX_PUSH_BYTES (and one frame).
 */
async function readPushed (
  frames: FramedStream, host: Pick<Host, 'limits' | 'maxWaitMs'>, request: HostRequest & { op: 'await' }
): Promise<Uint8Array[]> {
  const count = request.blocks ?? 0
  if (count > host.limits.maxPushBlocks) {
    const most = `the ${host.limits.maxPushBlocks} this server takes (MAX_PUSH_BLOCKS)`
    throw new HostRefusal('push-too-large', `the request pushes ${count} blocks, more than ${most}`)
  }
  const pushed: Uint8Array[] = []
  let bytes = 0
  const signal = AbortSignal.timeout(Math.min(request.timeoutMs, host.maxWaitMs))
  while (pushed.length < count) {
    const block = (await frames.read({ signal })).subarray()
    bytes += block.byteLength
    if (bytes > host.limits.maxPushBytes) {
      const most = `the ${host.limits.maxPushBytes} bytes this server takes (MAX_PUSH_BYTES)`
      throw new HostRefusal('push-too-large', `the pushed blocks exceed ${most}`)
    }
    pushed.push(block)
  }
  return pushed
}

// #region serve
export function serveHosting<N, P extends PeerLike> (
  major: Major<N, P>, helia: ServerNode<N>, host: Host<P>
): Promise<void> {
  const requests = requestCounter(host.limits)
  const limits = { maxDataLength: MAX_FRAME_BYTES, lengthDecoder: boundedLength(MAX_FRAME_BYTES) }
  return major.handle(helia, HOST_PROTOCOL, limits, (frames, peer) => {
    // every failure is answered or ends the stream inside: nothing is left to reject
    const serving = async (): Promise<void> => {
      const busy = requests.enter(peer.toString())
      let request: HostRequest | undefined
      try {
        let response: HostResponse
        let refusal: Refusal | undefined
        try {
          if (busy !== undefined) throw new HostRefusal('busy', busy)
          // the request must arrive whole within REQUEST_TIMEOUT_MS: an idle or trickling stream is reset
          const frame = await frames.read({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
          const parsed = parseRequest(frame.subarray())
          if (typeof parsed === 'string') throw new HostRefusal('malformed', parsed)
          request = parsed
          if (!major.orbitdb.isValidAddress(request.address)) {
            throw new HostRefusal('malformed', `not an OrbitDB address: "${request.address}"`)
          }
          request.address = major.orbitdb.parseAddress(request.address).toString()
          // heads only for a database kept here, refused before its pushed blocks are read
          if (request.op === 'await' && host.hosted(request.address) === undefined) {
            throw new HostRefusal('not-hosted', `${request.address} is not hosted here: ask with {"op":"host"} first`)
          }
          const pushed = request.op === 'await' ? await readPushed(frames, host, request) : []
          response = await answer(major, helia, host, request, pushed, peer)
        } catch (err) {
          if (!(err instanceof HostRefusal)) throw err
          refusal = err.reason
          response = { ok: false, error: err.message }
        }
        host.onAnswer?.(peer, request, response, refusal)
        await frames.write(new TextEncoder().encode(JSON.stringify(response)))
        await frames.close()
      } catch (err) {
        // a peer that closed before sending a whole request is closed too; any other failure resets
        if ((err as Error).name === 'UnexpectedEOFError') await frames.close().catch(() => {})
        else frames.abort(err as Error)
      } finally {
        if (busy === undefined) requests.leave(peer.toString())
      }
    }
    serving().catch(() => {})
  })
}
// #endregion

/** The base58btc CID of a DAG-CBOR block: the hash an entry with these bytes has. */
async function hashOf (bytes: Uint8Array): Promise<string> {
  return CID.createV1(DAG_CBOR, await sha256.digest(bytes)).toString(base58btc)
}

/**
 * The pushed blocks, decoded and checked before anything is stored: each must be an entry of this log whose
 * bytes are its block (hash and bytes agree), be the block of an awaited head or of an entry behind one, and
 * be signed by a writer the access controller lists. Every head must be held here or pushed, so the server
 * fetches nothing it has not checked who wrote. One block that fails refuses the whole request.
 */
async function checkedEntries (
  major: OrbitDBMajor, db: DocumentsDatabase<Document>, heads: string[], pushed: Uint8Array[]
): Promise<Array<{ entry: LogEntry, bytes: Uint8Array }>> {
  const entries = await Promise.all(pushed.map(async (bytes, index) => {
    const entry = await major.orbitdb.Entry.decode(bytes).catch(() => undefined)
    if (entry === undefined || entry.id !== db.address) {
      throw new HostRefusal('bad-block', `pushed block ${index} is not an entry of ${db.address}`)
    }
    const hash = await hashOf(bytes)
    if (hash !== entry.hash) {
      const why = `is not the block of entry ${entry.hash}: its bytes hash to ${hash}`
      throw new HostRefusal('bad-block', `pushed block ${index} ${why}`)
    }
    return { entry, bytes }
  }))
  const byHash = new Map(entries.map(pushedEntry => [pushedEntry.entry.hash, pushedEntry]))
  const awaited = new Set<string>()
  let level = heads
  while (level.length > 0) {
    const next: string[] = []
    for (const hash of level) {
      const pushedEntry = byHash.get(hash)
      if (awaited.has(hash) || pushedEntry === undefined) continue
      awaited.add(hash)
      next.push(...pushedEntry.entry.next, ...pushedEntry.entry.refs)
    }
    level = next
  }
  const stray = entries.find(({ entry }) => !awaited.has(entry.hash))
  if (stray !== undefined) {
    const why = 'is not the block of an awaited head nor of an entry behind one'
    throw new HostRefusal('bad-block', `pushed block ${stray.entry.hash} ${why}`)
  }
  for (const head of heads) {
    if (!byHash.has(head) && !await db.log.has(head)) {
      throw new HostRefusal('bad-block', `head ${head} is neither held here nor pushed with the request`)
    }
  }
  // on libuv's threads, all at once; the join checks each entry again and finds the answer remembered
  const allowed = await Promise.all(entries.map(async ({ entry }) => writtenByWriter(major, db, entry)))
  const forbidden = entries.find((_entry, index) => !allowed[index])
  if (forbidden !== undefined) {
    const why = `is not signed by a writer of ${db.address}`
    throw new HostRefusal('not-a-writer', `pushed entry ${forbidden.entry.hash} ${why}`)
  }
  return entries
}

/**
 * Deletes the blocks of `hashes` this server stored for an asker that no join took: not in the log and not
 * pinned (a join pins what it takes; OrbitDB's own replication may have taken one meanwhile). A join that
 * stores one again right after has it fetched again.
 */
async function collect (helia: QuietBlocks, db: DocumentsDatabase<Document>, hashes: Iterable<string>): Promise<void> {
  await Promise.all([...hashes].map(async hash => {
    if (!await db.log.has(hash)) await helia.deleteQuietly(CID.parse(hash, base58btc)).catch(() => {})
  }))
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
  settled.then(() => { if (awaitQueues.get(address) === settled) awaitQueues.delete(address) }, () => {})
  return turn
}

/**
 * Each `await`'s own work before its join (decoding, storing and caching the pushed entries, checking their signatures
 * on libuv's threads, fetching what was not pushed) runs while the `await` before it joins, so its join finds
 * the entries in memory and the signatures remembered (src/tuned/signatures.ts). One turn ahead, no more: every
 * asker's checks at once filled libuv's queue, and the first join's disk reads waited behind all of them.
 */
const previousTurnStarts = new Map<string, Promise<void>>()
function oneTurnAhead<R> (address: string, work: () => Promise<R>): { prepared: Promise<R>, turnStarted: () => void } {
  const { promise: started, resolve: turnStarted } = Promise.withResolvers<void>()
  const previousStarted = previousTurnStarts.get(address) ?? Promise.resolve()
  previousTurnStarts.set(address, started)
  started.then(() => { if (previousTurnStarts.get(address) === started) previousTurnStarts.delete(address) }, () => {})
  return { prepared: previousStarted.then(work), turnStarted }
}

/** The answer to a well-formed request for a valid address (normalized); throws a HostRefusal for a refused one. */
async function answer<P extends PeerLike> (
  major: OrbitDBMajor, helia: QuietBlocks, host: Host<P>, request: HostRequest, pushed: Uint8Array[], asker: P
): Promise<HostResponse> {
  try {
    if (request.op === 'host') {
      const db = await host.host(request.address, asker)
      return { ok: true, address: db.address, heads: await headsOf(db), entries: await countEntries(major, db, []) }
    }
    const db = host.hosted(request.address)
    if (db === undefined) {
      throw new HostRefusal('not-hosted', `${request.address} is not hosted here: ask with {"op":"host"} first`)
    }
    const { heads, timeoutMs } = request
    const signal = AbortSignal.timeout(Math.min(timeoutMs, host.maxWaitMs))
    // stored for the asker: deleted after the join unless it took them
    const storedForAsker = new Set<string>()
    const { prepared, turnStarted } = oneTurnAhead(db.address, async () => {
      const entries = await checkedEntries(major, db, heads, pushed)
      await Promise.all(entries.map(async ({ entry, bytes }) => {
        storedForAsker.add(entry.hash)
        await helia.storeQuietly(CID.parse(entry.hash, base58btc), bytes)
        await host.cache?.(db.address, entry.hash, bytes)
      }))
      const decoded = new Map(entries.map(({ entry }) => [entry.hash, entry]))
      // best effort, as in joinEntries: whatever is still missing, the join fetches (or OrbitDB's own sync brings)
      const bounds = { limit: host.limits.maxPushBlocks, fetched: storedForAsker }
      await fetchMissing(major, db, heads, signal, decoded, bounds).catch(() => {})
      return decoded
    })
    try {
      const decoded = await inTurn(db.address, async () => {
        turnStarted()
        const decoded = await prepared
        await joinEntries(major, db, heads, signal, { fetched: true })
        return decoded
      })
      const entries = await countEntries(major, db, heads, decoded)
      return { ok: true, address: db.address, heads: await headsOf(db), entries }
    } finally {
      await collect(helia, db, storedForAsker)
    }
  } catch (err) {
    if (err instanceof HostRefusal) throw err
    return { ok: false, error: (err as Error).message }
  }
}

export async function askServer<N, P extends PeerLike> (
  major: Major<N, P>, helia: N, server: P, request: HostRequest, signal: AbortSignal, blocks: Uint8Array[] = []
): Promise<HostResponse & { ok: true }> {
  const frames = await major.dial(helia, server, HOST_PROTOCOL, { maxDataLength: MAX_FRAME_BYTES }, signal)
  // one write for the request and its blocks: a write per block made a Yamux frame each, and the server
  // answered every frame with a window update (a socket write and a Noise message): a third of its work
  const sent = request.op === 'await' ? { ...request, blocks: blocks.length } : request
  await frames.writeV([new TextEncoder().encode(JSON.stringify(sent)), ...blocks], { signal })
  const response = JSON.parse(new TextDecoder().decode((await frames.read({ signal })).subarray())) as HostResponse
  await frames.close()
  if (!response.ok) throw new Error(`server refused ${request.op} of ${request.address}: ${response.error}`)
  return response
}

/** The entries of `hashes` this log holds (or fetches), in order. */
async function entriesOf<T extends Document> (db: DocumentsDatabase<T>, hashes: string[]): Promise<LogEntry[]> {
  const entries = await Promise.all(hashes.map(async hash => db.log.get(hash)))
  return entries.filter((entry): entry is LogEntry => entry !== undefined)
}

/**
 * The blocks of this log's entries the server most likely lacks: from `heads` (the heads this await names;
 * the log's heads when omitted) back along `next`, up to the heads the server said it has (`serverHeads`,
 * none if unknown) and no older than the oldest of them (by Lamport time), at most MAX_PUSHED_BLOCKS blocks
 * and `maxBytes` bytes (the server's defaults). A guess that costs nothing when wrong: the server fetches
 * whatever it still lacks. The server takes only blocks of the named heads and what is behind them, so the
 * heads are walked as named, not read again.
 */
export async function entriesToPush<T extends Document> (
  db: DocumentsDatabase<T>, serverHeads: string[], heads?: string[], maxBytes = MAX_PUSHED_BYTES
): Promise<Uint8Array[]> {
  const known = new Set(serverHeads)
  const knownHeads = await entriesOf(db, serverHeads)
  const oldest = Math.min(...knownHeads.map(entry => entry.clock.time))
  const blocks: Uint8Array[] = []
  let bytesPushed = 0
  const seen = new Set<string>()
  const named = heads === undefined ? await db.log.heads() : await entriesOf(db, heads)
  let level = named.filter(entry => !known.has(entry.hash))
  while (level.length > 0 && blocks.length < MAX_PUSHED_BLOCKS) {
    const next: string[] = []
    for (const entry of level) {
      if (seen.has(entry.hash) || blocks.length >= MAX_PUSHED_BLOCKS) continue
      seen.add(entry.hash)
      const bytes = await db.log.storage.get(entry.hash)
      if (bytes === undefined || bytes.byteLength > MAX_FRAME_BYTES) continue
      if (bytesPushed + bytes.byteLength > maxBytes) return blocks
      bytesPushed += bytes.byteLength
      blocks.push(bytes)
      next.push(...entry.next.filter(hash => !known.has(hash) && !seen.has(hash)))
    }
    const entries = await entriesOf(db, next)
    level = entries.filter(entry => knownHeads.length === 0 || entry.clock.time > oldest)
  }
  return blocks
}

/**
 * Two-way sync with the server: ask it to host the database (which returns its heads), join those heads,
 * then ask it to join ours. Afterwards both sides have each other's writes.
 */
// #region sync
export async function syncWithServer<N, P extends PeerLike, T extends Document> (
  major: Major<N, P>, helia: N, server: P, db: DocumentsDatabase<T>, timeoutMs: number
): Promise<{ serverEntries: number }> {
  const signal = AbortSignal.timeout(timeoutMs)
  // the deadline firing mid-read surfaces as the stream's bare "Read aborted": say which deadline it was
  const beforeDeadline = async <R>(what: string, work: Promise<R>): Promise<R> => work.catch((err: Error) => {
    throw signal.aborted ? new Error(`${what} within ${timeoutMs} ms (${err.message})`) : err
  })
  const hosting = askServer(major, helia, server, { op: 'host', address: db.address }, signal)
  const hosted = await beforeDeadline('the server did not answer', hosting)
  await joinEntries(major, db, hosted.heads, signal).catch((err: Error) => {
    throw new Error(`did not receive the server's entries within ${timeoutMs} ms (${err.message})`)
  })
  const heads = await headsOf(db)
  const pushed = await entriesToPush(db, hosted.heads, heads)
  const request: HostRequest = { op: 'await', address: db.address, heads, timeoutMs }
  const awaiting = askServer(major, helia, server, request, signal, pushed)
  const confirmed = await beforeDeadline('the server did not confirm our entries', awaiting)
  return { serverEntries: confirmed.entries }
}
// #endregion
