// What the hosting protocol takes from one major of OrbitDB and libp2p, so this package resolves neither: each
// example's src/replication.ts builds one (MIGRATING.md, "The hosting protocol", shows both).
import type { Identity, Ipfs, Log, LogEntry, Storage } from './orbitdb.ts'

/** A libp2p peer ID of either major: the protocol only names it. */
export interface PeerLike {
  toString: () => string
}

/** The @orbitdb/core functions the protocol calls (OrbitDB 2.2 and 4.0 share them). */
export interface OrbitDBFunctions {
  Entry: {
    decode: (bytes: Uint8Array) => Promise<LogEntry>
    verify: (identity: Pick<Identity, 'verify'>, entry: LogEntry) => Promise<boolean>
  }
  isValidAddress: (address: unknown) => boolean
  parseAddress: (address: string) => { hash: string, toString: () => string }
  IPFSBlockStorage: (options: { ipfs: Ipfs, pin: boolean, timeout?: number }) => Promise<Storage>
  ComposedStorage: (first: Storage, second: Storage) => Promise<Storage>
  LevelStorage: (options: { path: string }) => Promise<Storage>
  LRUStorage: (options: { size: number }) => Promise<Storage>
}

/** What the protocol needs of OrbitDB's major. */
export interface OrbitDBMajor {
  orbitdb: OrbitDBFunctions
  /** An entry of the log to count in an answer, undefined where this major cannot read it yet. */
  countedEntry: (log: Log, hash: string) => Promise<LogEntry | undefined>
}

/** A frame's length prefix as lpStream of either major holds it (a Uint8ArrayList of its uint8arraylist). */
export interface LengthPrefix {
  byteLength: number
  subarray: () => Uint8Array
}

/** How a stream's frames are read: the longest frame, and how its length prefix is decoded. */
export interface FrameLimits {
  maxDataLength: number
  lengthDecoder?: (data: LengthPrefix) => number
}

/** A protocol stream read and written as length-prefixed frames (lpStream of either major). */
export interface FramedStream {
  read: (options: { signal: AbortSignal }) => Promise<{ subarray: () => Uint8Array }>
  write: (frame: Uint8Array) => Promise<unknown>
  writeV: (frames: Uint8Array[], options: { signal: AbortSignal }) => Promise<unknown>
  close: () => Promise<void>
  abort: (err: Error) => void
}

/** A stream's frames (lpStream's) with the stream's own close and abort. */
export function framed (
  frames: Pick<FramedStream, 'read' | 'write' | 'writeV'>, stream: Pick<FramedStream, 'close' | 'abort'>
): FramedStream {
  return Object.assign(frames, { close: async () => stream.close(), abort: (err: Error) => stream.abort(err) })
}

/** One major of OrbitDB and libp2p: `N` is its node (a Helia), `P` its peer ID. */
export interface Major<N, P extends PeerLike> extends OrbitDBMajor {
  /** Serves `protocol` on `node`: `handler` gets each stream opened to it, framed, and the peer that opened it. */
  handle: (
    node: N, protocol: string, limits: FrameLimits, handler: (stream: FramedStream, peer: P) => void
  ) => Promise<void>
  /** Opens a stream of `protocol` to `peer`, framed. */
  dial: (node: N, peer: P, protocol: string, limits: FrameLimits, signal: AbortSignal) => Promise<FramedStream>
}
