// @orbitdb/core 2.x ships JavaScript without type declarations. These describe the part of its API this
// example uses, as it behaves in 4.0.0 (src/orbitdb.js, databases/documents.js, oplog/log.js).
declare module '@orbitdb/core' {
  import type {
    AccessController, Document, DocumentsDatabase, Identity, Ipfs, Log, LogEntry, Storage
  } from '@ipfs-liftoff/orbitdb-hosting'

  // the types the hosting protocol shares (@ipfs-liftoff/orbitdb-hosting, src/orbitdb.ts)
  export type { AccessController, Document, DocumentsDatabase, Identity, Ipfs, Log, LogEntry, Storage }

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
