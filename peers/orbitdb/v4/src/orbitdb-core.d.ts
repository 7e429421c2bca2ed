// @orbitdb/core 2.x ships JavaScript without type declarations. These describe the part of its API this
// example uses, as it behaves in 4.0.0 (src/orbitdb.js, databases/documents.js, oplog/log.js).
declare module '@orbitdb/core' {
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

  export interface KeyStore {
    addKey: (name: string, key: { privateKey: Uint8Array }) => Promise<void>
    hasKey: (name: string) => Promise<boolean>
    /** The private key stored under `id` (an identity's signing key is stored under its id): @libp2p/crypto 5's
     * in OrbitDB 4.x (`raw`), @libp2p/crypto 4's in 2.x (`marshal()`). */
    getKey: (id: string) => Promise<{ raw?: Uint8Array, marshal?: () => Uint8Array } | undefined>
    close: () => Promise<void>
  }
  export function KeyStore (options: { path: string }): Promise<KeyStore>

  export interface Identities {
    keystore: KeyStore
    createIdentity: (options: { id: string }) => Promise<Identity>
  }
  export function Identities (options: { keystore: KeyStore, ipfs?: Ipfs }): Promise<Identities>

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
  /** OrbitDB's LevelDB storage (its default for a log's heads and index), at `path`. */
  export function LevelStorage (options: { path: string }): Promise<Storage>
  /** The most recent `size` values in memory. */
  export function LRUStorage (options: { size: number }): Promise<Storage>
  /** Blocks in the Helia node's blockstore, pinned as the log takes them when `pin` (OrbitDB's default for entries). */
  export function IPFSBlockStorage (options: { ipfs: Ipfs, pin: boolean, timeout?: number }): Promise<Storage>
  /** `first` in front of `second`: reads fall through to `second` and are kept in `first`; writes go to both. */
  export function ComposedStorage (first: Storage, second: Storage): Promise<Storage>

  export type AccessControllerFactory = (...args: never[]) => Promise<AccessController>

  export interface OpenOptions {
    type?: 'documents'
    AccessController?: AccessControllerFactory
    /** false: no pubsub and no heads exchange for this database (default true) */
    sync?: boolean
    /** The log's index (which entries it holds); LevelDB under the database's directory by default. */
    indexStorage?: Storage
    /** The entries' blocks; an LRU cache in front of the Helia node's blockstore (pinned) by default. */
    entryStorage?: Storage
  }

  export interface OrbitDB {
    id: string
    identity: Identity
    keystore: KeyStore
    directory: string
    open: <T extends Document = Document>(nameOrAddress: string, options?: OpenOptions) => Promise<DocumentsDatabase<T>>
    stop: () => Promise<void>
  }

  export function createOrbitDB (
    options: { ipfs: Ipfs, id?: string, identities?: Identities, directory?: string }
  ): Promise<OrbitDB>
  export function IPFSAccessController (options?: { write?: string[] }): AccessControllerFactory
  export function isValidAddress (address: unknown): boolean
  /** A valid address parsed (else it throws): `hash` is its manifest CID, `toString()` the /orbitdb/ form. */
  export function parseAddress (
    address: string
  ): { protocol: string, hash: string, address: string, toString: () => string }
  /** An entry's block: decoded (dag-cbor) with its hash, the base58btc CID of `bytes`. */
  export const Entry: {
    decode: (bytes: Uint8Array) => Promise<LogEntry>
    /** Checks the entry's signature with `identity.verify`, as a log does when it joins the entry. */
    verify: (identity: Pick<Identity, 'verify'>, entry: LogEntry) => Promise<boolean>
    /** An entry's fields as its block (DAG-CBOR), with the block's hash. */
    encode: (fields: object) => Promise<{ hash: string, bytes: Uint8Array }>
  }
}
