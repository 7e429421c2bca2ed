// What the OrbitDB suites written once for both majors (orbitdb-host-policy.ts, orbitdb-replication.ts) take from
// an example: its test fixtures and its major's functions, each in one signature. The types name only the parts the
// tests use, so scripts/ resolves neither major; each example's test/fixtures.ts builds one (orbitdbExample).
import type { EventEmitter } from 'node:events'
import { onCleanup, tempDir } from './cleanup.ts'

/** A document as both examples write it (their src/orbitdb.ts Note; the index signature is OrbitDB's Document's). */
export interface Note {
  _id: string
  author: string
  text: string
  writtenAt: string
  [field: string]: unknown
}

/** An entry of an OrbitDB log, the fields the tests read. */
export interface LogEntryLike { hash: string, bytes: Uint8Array, identity: string }

/** A documents database of Notes (OrbitDB's DocumentsDatabase<Note>), the parts the tests use. */
export interface NotesDatabase {
  address: string
  put: (doc: Note) => Promise<string>
  all: () => Promise<Array<{ key: string }>>
  // a method, so its parameter is compared both ways: each major's full LogEntry fits
  access: { canAppend (entry: LogEntryLike): Promise<boolean> }
  log: {
    storage: { get: (hash: string) => Promise<Uint8Array | undefined> }
    get: (hash: string) => Promise<LogEntryLike | undefined>
    has: (hash: string) => Promise<boolean>
  }
  events: EventEmitter
  peers: Set<string>
}

/** A Helia node of the example's major (`Peer` its libp2p peer ID, `Address` a multiaddr, `Cid` a CID). */
export interface NodeLike<Peer, Address, Cid, Stream> {
  libp2p: {
    peerId: { toString: () => string }
    getMultiaddrs: () => Address[]
    dialProtocol: (peer: Peer, protocol: string) => Promise<Stream>
  }
  pins: { rm: (cid: Cid) => AsyncIterable<{ toString: () => string }> }
  /** The example's quietBlocks: deletes a block unless it is pinned. */
  deleteQuietly: (cid: Cid) => Promise<void>
  stop: () => Promise<void>
}

export interface OrbitDBLike<Db> {
  open: (address: string, options: { sync: boolean }) => Promise<Db>
  stop: () => Promise<void>
}

/** A CID of the example's multiformats. */
export interface CidLike { toString: () => string }

/** A protocol stream of the example's libp2p. */
export interface StreamLike { abort: (err: Error) => void }

/** The example's in-process server (test/fixtures.ts TestServer). */
export interface ServerLike<Cid> {
  ready: { address: string, multiaddrs: string[], peerId: string, identity: string, metrics?: string }
  // a method: a Helia blockstore's `has` takes options too and may answer synchronously
  helia: { blockstore: { has (cid: Cid): boolean | Promise<boolean> } }
  databases: ReadonlyMap<string, unknown>
  db: NotesDatabase
  log: string[]
  stop: () => Promise<void>
}

export interface ServerConfigLike { dataDir: string, hosting: { writers: string[] } }

export interface Writer { name: string, key: string, identityId: string, dataDir: string }

export type HostRequest =
  | { op: 'host', address: string }
  | { op: 'await', address: string, heads: string[], timeoutMs: number, blocks?: number }

/** A live peer: the example's Helia node and its OrbitDB. */
export interface LivePeer<Node, Orbit> { helia: Node, orbitdb: Orbit }

/**
 * What the suites take from an example. Where OrbitDB 2 and 4 differ in signature (createDocuments, openDatabase take
 * the node in 2, not in 4) the example adapts its function to the one here.
 */
export interface OrbitDBExample<
  Node extends NodeLike<Peer, Address, Cid, Stream>, Orbit extends OrbitDBLike<Db>, Db extends NotesDatabase,
  Server extends ServerLike<Cid>, Config extends ServerConfigLike, Peer, Address, Cid extends CidLike,
  Stream extends StreamLike
> {
  /** Its test/fixtures.ts. */
  fixtures: {
    serverConfig: (env?: Record<string, string>) => Promise<Config>
    startTestServer: (config: Config) => Promise<Server>
    writer: (name: string) => Promise<Writer>
    runAs: (
      client: { name: string, key?: string, dataDir: string },
      server: { ready: { multiaddrs: string[], address: string } },
      env?: Record<string, string>
    ) => Promise<{ written: string[], documentIds: string[], serverEntries: number }>
    documentIds: (server: Server, address?: string) => Promise<string[]>
  }
  /** Its src/dial.ts. */
  dial: {
    parseServerAddress: (text: string) => Address
    dialWithRetry: (
      libp2p: Node['libp2p'], address: Address, options: { deadlineMs: number }
    ) => Promise<{ connection: { remotePeer: Peer } }>
  }
  /** Its src/replication.ts: the hosting protocol bound to its major. */
  replication: {
    HOST_PROTOCOL: string
    askServer: (
      helia: Node, server: Peer, request: HostRequest, signal: AbortSignal, blocks?: Uint8Array[]
    ) => Promise<{ address: string, entries: number }>
    // NoInfer: Db is the database createDocuments gives, not what a generic syncWithServer would take
    syncWithServer: (
      helia: Node, server: Peer, db: NoInfer<Db>, timeoutMs: number
    ) => Promise<{ serverEntries: number }>
  }
  createNode: (options: { dataDir: string, listen?: string[] }) => Promise<Node>
  startOrbitDB: (helia: Node, options: { dataDir: string, identityKey?: string }) => Promise<Orbit>
  createDocuments: (peer: LivePeer<Node, Orbit>, name: string, writers: string[]) => Promise<Db>
  openDatabase: (peer: LivePeer<Node, Orbit>, address: string) => Promise<Db>
  /** The length-prefixed frames of a stream: it-length-prefixed-stream's lpStream in libp2p 1, @libp2p/utils' in 3. */
  lpStream: (stream: Stream) => { write: (frame: Uint8Array) => Promise<unknown> }
  /** @orbitdb/core's Entry. */
  Entry: {
    decode: (bytes: Uint8Array) => Promise<{ hash: string, identity: string }>
    encode: (fields: object) => Promise<{ hash: string, bytes: Uint8Array }>
  }
  /** An entry's hash (base58btc) as the CID of the major's multiformats. */
  parseCid: (hash: string) => Cid
  /**
   * How the major reports an entry a database refused (not signed by one of its writers): OrbitDB 2 emits 'error' on
   * the database (and the server logs it); OrbitDB 4 only logs it, so its refusals are seen at the access controller.
   */
  refusedEntry: 'error event' | 'logged'
}

/**
 * Live peers of an example on loopback, each with its own OrbitDB (identity from `identityKey`, or a fresh one),
 * stopped after the test; `connected` dials a server and asks it over the hosting protocol.
 */
export function livePeers<
  Node extends NodeLike<Peer, Address, Cid, Stream>, Orbit extends OrbitDBLike<Db>, Db extends NotesDatabase,
  Server extends ServerLike<Cid>, Config extends ServerConfigLike, Peer, Address, Cid extends CidLike,
  Stream extends StreamLike
> (example: OrbitDBExample<Node, Orbit, Db, Server, Config, Peer, Address, Cid, Stream>) {
  async function node (name: string, identityKey?: string): Promise<LivePeer<Node, Orbit>> {
    const dataDir = await tempDir(`liftoff-orbitdb-${name}-`)
    const helia = await example.createNode({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
    onCleanup(`${name} helia stop()`, () => helia.stop())
    const orbitdb = await example.startOrbitDB(helia, { dataDir, identityKey })
    onCleanup(`${name} orbitdb stop()`, () => orbitdb.stop())
    return { helia, orbitdb }
  }

  /** `who`, connected to `server`, asking it over the hosting protocol. */
  async function connected (who: LivePeer<Node, Orbit>, server: Server) {
    const address = example.dial.parseServerAddress(server.ready.multiaddrs[0]!)
    const { connection } = await example.dial.dialWithRetry(who.helia.libp2p, address, { deadlineMs: 10_000 })
    const ask = async (request: HostRequest, blocks: Uint8Array[] = [], timeoutMs = 20_000) =>
      example.replication.askServer(who.helia, connection.remotePeer, request, AbortSignal.timeout(timeoutMs), blocks)
    return { ...who, ask, serverPeer: connection.remotePeer }
  }

  async function peer (name: string, server: Server, identityKey?: string) {
    return connected(await node(name, identityKey), server)
  }

  return { node, connected, peer }
}
