// The types of @orbitdb/core (which ships JavaScript only) that the hosting protocol uses, as OrbitDB 2.2 and
// 4.0 both behave (src/orbitdb.js, databases/documents.js, oplog/log.js); each major's orbitdb-core.d.ts
// declares its functions with these.
import type { EventEmitter } from 'node:events'

/** The part of a Helia node OrbitDB relies on; any Helia of the matching major fits. */
export interface Ipfs {
  blockstore: unknown
  pins: unknown
  libp2p: unknown
}

export interface Identity {
  /** Hex public key of the identity's named key: what access controllers list. */
  id: string
  publicKey: string
  hash: string
  type: string
  /** Signs `data` with the identity's key (hex DER signature); called as identity.sign(identity, data). */
  sign: (identity: unknown, data: Uint8Array | string) => Promise<string>
  /** Checks a hex signature by a hex public key; every entry a log joins is checked with its identity's verify. */
  verify: (signature: string, publicKey: string, data: Uint8Array | string) => Promise<boolean>
}

export interface LogEntry<T = unknown> {
  hash: string
  bytes: Uint8Array
  /** The log (database address) it belongs to. */
  id: string
  /** The entries it follows, and older ones it points to so a reader can fetch many at once. */
  next: string[]
  refs: string[]
  /** Lamport clock: `time` is one more than the highest `time` of the entries it follows. */
  clock: { id: string, time: number }
  identity: string
  /** Hex public key the entry is signed with (its identity's `publicKey`, for an honest writer). */
  key: string
  payload: { op: 'PUT' | 'DEL', key: string, value: T }
}

export interface Log {
  /** Where the entries' blocks are kept: the bytes of an entry by its hash. */
  storage: { get: (hash: string) => Promise<Uint8Array | undefined> }
  has: (hash: string) => Promise<boolean>
  heads: () => Promise<LogEntry[]>
  values: () => Promise<LogEntry[]>
  get: (hash: string) => Promise<LogEntry | undefined>
  /**
   * Verifies `entry` and all it points to that this log lacks (fetched by hash), and adds them; false if it was here
   * already.
   */
  joinEntry: (entry: LogEntry) => Promise<boolean>
  /** Every entry reachable from `rootEntries` (the heads when omitted), each once, newest first. */
  traverse: (rootEntries?: LogEntry[]) => AsyncIterable<LogEntry>
}

export interface AccessController {
  type: string
  address: string
  write: string[]
  canAppend: (entry: LogEntry) => Promise<boolean>
}

export interface Document {
  _id: string
  [field: string]: unknown
}

export interface DocumentsDatabase<T extends Document = Document> {
  address: string
  name: string
  type: 'documents'
  identity: Identity
  access: AccessController
  log: Log
  /** 'update' (entry), 'join' (peerId, heads), 'leave' (peerId), 'error' (error), 'close' */
  events: EventEmitter
  /** The peers this database syncs with (added as a heads exchange starts; 'join' once it is done). */
  peers: Set<string>
  /** Publishes an entry's bytes on the database's pubsub topic, as a local write does. */
  sync: { add: (entry: LogEntry) => Promise<void> }
  put: (doc: T) => Promise<string>
  get: (key: string) => Promise<{ hash: string, key: string, value: T } | undefined>
  del: (key: string) => Promise<string>
  query: (match: (doc: T) => boolean) => Promise<T[]>
  all: () => Promise<Array<{ hash: string, key: string, value: T }>>
  close: () => Promise<void>
}

/** Where a log keeps its entries, heads or index: bytes or values by hash. */
export interface Storage {
  put: (hash: string, value: unknown) => Promise<void>
  get: (hash: string) => Promise<unknown>
  del: (hash: string) => Promise<void>
  iterator: (options?: { amount?: number, reverse?: boolean }) => AsyncIterable<[string, unknown]>
  merge: (other: Storage) => Promise<void>
  clear: () => Promise<void>
  close: () => Promise<void>
}
