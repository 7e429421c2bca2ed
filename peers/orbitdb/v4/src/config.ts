// Both roles are configured by environment variables; every value but the client's DB_ADDRESS has a
// default that works on loopback.
import { join } from 'node:path'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MAX_PUSHED_BLOCKS, MAX_PUSHED_BYTES } from './replication.ts'

export const DEFAULT_TCP_PORT = 9311
export const DEFAULT_WS_PORT = 9312

type Env = Record<string, string | undefined>

function list (value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback
  return value.split(',').map(item => item.trim()).filter(item => item !== '')
}

function count (env: Env, name: string, fallback: number, minimum = 1): number {
  const text = env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${name} must be an integer >= ${minimum}, got "${text}"`)
  return value
}

function optional (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/**
 * What the server accepts, on purpose. libp2p's own defaults suit a peer among many peers: 5 new
 * connections per second per remote host and 10 connections in their handshake at once, so 50 clients
 * behind one address (a compose network, a NAT, a load test) are mostly reset. A server for clients needs
 * more; each limit is an env var.
 */
export interface ConnectionLimits {
  /** MAX_CONNECTIONS: open connections in all; beyond it new ones are closed at once. */
  maxConnections: number
  /** MAX_PENDING_CONNECTIONS: inbound connections still in their Noise/Yamux handshake at once. */
  maxPendingConnections: number
  /** INBOUND_CONNECTIONS_PER_SECOND: new connections per second from one remote host. */
  inboundConnectionsPerSecond: number
}

export function readConnectionLimits (env: Env = process.env): ConnectionLimits {
  return {
    maxConnections: count(env, 'MAX_CONNECTIONS', 1024),
    maxPendingConnections: count(env, 'MAX_PENDING_CONNECTIONS', 256),
    inboundConnectionsPerSecond: count(env, 'INBOUND_CONNECTIONS_PER_SECOND', 200)
  }
}

function metricsListen (env: Env): { host: string, port: number } | undefined {
  const text = env.METRICS_LISTEN?.trim()
  if (text === undefined || text === '') return undefined
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text)
  if (match === null || Number(match[2]) > 65535) throw new Error(`METRICS_LISTEN must look like 127.0.0.1:9464, got "${text}"`)
  return { host: match[1]!, port: Number(match[2]) }
}

/**
 * Who may ask the server for work, and how much. Hosting costs a LevelDB, an index and pinned blocks for as
 * long as the server runs, so a database is hosted only for writers or peers the operator lists; every
 * request is bounded in size and in how many run at once.
 */
export interface HostingLimits {
  /** HOST_WRITERS: a database is hosted when its access controller names one of these identity IDs ("*": any). */
  writers: string[]
  /** HOST_PEERS: peer IDs whose host requests are honoured whatever the database's writers. */
  peers: string[]
  /** MAX_HOSTED_DATABASES: databases hosted besides the server's own; beyond it host requests are refused. */
  maxHostedDatabases: number
  /** MAX_PUSH_BLOCKS: entry blocks one `await` may push. */
  maxPushBlocks: number
  /** MAX_PUSH_BYTES: bytes of blocks one `await` may push. */
  maxPushBytes: number
  /** MAX_REQUESTS_PER_PEER: hosting requests one peer may have open at once. */
  maxRequestsPerPeer: number
  /** MAX_REQUESTS: hosting requests open at once from all peers. */
  maxRequests: number
}

function readHostingLimits (env: Env, writers: string[]): HostingLimits {
  return {
    writers: list(env.HOST_WRITERS, writers),
    peers: list(env.HOST_PEERS, []),
    maxHostedDatabases: count(env, 'MAX_HOSTED_DATABASES', 16, 0),
    maxPushBlocks: count(env, 'MAX_PUSH_BLOCKS', MAX_PUSHED_BLOCKS, 0),
    maxPushBytes: count(env, 'MAX_PUSH_BYTES', MAX_PUSHED_BYTES),
    maxRequestsPerPeer: count(env, 'MAX_REQUESTS_PER_PEER', 4),
    maxRequests: count(env, 'MAX_REQUESTS', 32)
  }
}

export interface ServerConfig {
  dataDir: string
  listen: string[]
  announce: string[]
  privateKey: string | undefined
  keyFile: string
  readyFile: string
  /** Hex secp256k1 key of the server's OrbitDB identity; when unset it is created in the keystore. */
  identityKey: string | undefined
  dbName: string
  /** Identity IDs allowed to write besides the server's own. */
  writers: string[]
  /** Longest a client may ask the server to wait for its entries. */
  maxWaitMs: number
  limits: ConnectionLimits
  /** Who may ask for hosting, and the bounds on each request (the server's own identity is always a host writer). */
  hosting: HostingLimits
  /** METRICS_LISTEN (host:port, e.g. 0.0.0.0:9464): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data/server'
  const writers = list(env.WRITERS, [])
  return {
    dataDir,
    listen: list(env.LISTEN_ADDRS, [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`]),
    announce: list(env.ANNOUNCE_ADDRS, []),
    privateKey: optional(env.PRIVATE_KEY),
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    identityKey: optional(env.IDENTITY_KEY),
    dbName: env.DB_NAME ?? 'liftoff-documents',
    writers,
    maxWaitMs: count(env, 'MAX_WAIT_MS', 120_000),
    limits: readConnectionLimits(env),
    hosting: readHostingLimits(env, writers),
    metrics: metricsListen(env)
  }
}

export interface ClientConfig {
  name: string
  dataDir: string
  identityKey: string | undefined
  serverAddress: string
  dbAddress: string
  /** Documents to put this run (0: only read and sync). */
  writes: number
  dialDeadlineMs: number
  syncTimeoutMs: number
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  const dbAddress = optional(env.DB_ADDRESS)
  if (dbAddress === undefined) throw new Error('DB_ADDRESS is not set: give the /orbitdb/… address from the server\'s READY line')
  const name = env.CLIENT_NAME ?? 'client'
  return {
    name,
    dataDir: env.DATA_DIR ?? join('.data', name),
    identityKey: optional(env.IDENTITY_KEY),
    serverAddress: env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    dbAddress,
    writes: count(env, 'WRITES', 3, 0),
    dialDeadlineMs: count(env, 'DIAL_TIMEOUT_MS', 30_000),
    syncTimeoutMs: count(env, 'SYNC_TIMEOUT_MS', 60_000)
  }
}

/** The discovery topic when DISCOVERY_TOPIC is unset: one per app, so give yours its own. */
export const DEFAULT_DISCOVERY_TOPIC = 'liftoff-orbitdb._peer-discovery._p2p._pubsub'

export interface PeerConfig {
  /** DB_ADDRESS: the database to open and write; unset, this peer is a bootstrap peer that relays the topic. */
  dbAddress: string | undefined
  name: string
  dataDir: string
  identityKey: string | undefined
  listen: string[]
  /** BOOTSTRAP: peers to join through, each with /p2p/<peer id>. */
  bootstrap: string[]
  topic: string
  writes: number
  /** How long to wait for the database's manifest when it is not stored here yet. */
  openTimeoutMs: number
}

export function readPeerConfig (env: Env = process.env): PeerConfig {
  const dbAddress = optional(env.DB_ADDRESS)
  const bootstrap = list(env.BOOTSTRAP, [])
  for (const text of bootstrap) {
    let address: Multiaddr
    try {
      address = multiaddr(text)
    } catch {
      throw new Error(`BOOTSTRAP: "${text}" is not a multiaddr`)
    }
    if (address.getComponents().at(-1)?.name !== 'p2p') throw new Error(`BOOTSTRAP: "${text}" does not end in /p2p/<peer id>: a bootstrap peer must be named`)
  }
  if (dbAddress !== undefined && bootstrap.length === 0) throw new Error('BOOTSTRAP is required with DB_ADDRESS: the multiaddr of a peer that relays the discovery topic (a peer started without DB_ADDRESS)')
  const name = env.CLIENT_NAME ?? (dbAddress === undefined ? 'bootstrap' : 'peer')
  return {
    dbAddress,
    name,
    dataDir: env.DATA_DIR ?? join('.data', name),
    identityKey: optional(env.IDENTITY_KEY),
    listen: list(env.LISTEN_ADDRS, ['/ip4/127.0.0.1/tcp/0']),
    bootstrap,
    topic: optional(env.DISCOVERY_TOPIC) ?? DEFAULT_DISCOVERY_TOPIC,
    writes: count(env, 'WRITES', 3, 0),
    openTimeoutMs: count(env, 'DIAL_TIMEOUT_MS', 30_000)
  }
}
