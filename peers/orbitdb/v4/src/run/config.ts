// Every role is configured by environment variables; every value but the client's DB_ADDRESS has a default
// that works on loopback. TUNED=1 turns on the speed-ups in src/tuned/ (off: the libraries' defaults).
import { join } from 'node:path'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { MAX_PUSHED_BLOCKS, MAX_PUSHED_BYTES } from '../replication.ts'
import { flag, hostAndPort, list, positiveInteger, type Env } from './env.ts'
import { tuning, type Tuning } from './tuning.ts'
import type { HostingLimits } from '../server.ts'
import type { PeerOptions } from '../peer.ts'

export const DEFAULT_TCP_PORT = 9311
export const DEFAULT_WS_PORT = 9312

/** An integer ≥ 0 (where 0 means none: WRITES, MAX_HOSTED_DATABASES, MAX_PUSH_BLOCKS). */
function count (env: Env, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be an integer >= 0, got "${text}"`)
  return value
}

function optional (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** TUNED (default off): the speed-ups in src/tuned/, for the server, the client and the peer alike. */
export const tunedFrom = (env: Env): boolean => flag(env, 'TUNED', false)

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
    maxConnections: positiveInteger(env, 'MAX_CONNECTIONS', 1024),
    maxPendingConnections: positiveInteger(env, 'MAX_PENDING_CONNECTIONS', 256),
    inboundConnectionsPerSecond: positiveInteger(env, 'INBOUND_CONNECTIONS_PER_SECOND', 200)
  }
}

/**
 * Who may ask the server for work, and how much. Hosting costs a LevelDB, an index and pinned blocks for as
 * long as the server runs, so a database is hosted only for writers or peers the operator lists (HOST_WRITERS,
 * default WRITERS; HOST_PEERS); every request is bounded in size and in how many run at once.
 */
function readHostingLimits (env: Env, writers: string[]): HostingLimits {
  return {
    writers: list(env, 'HOST_WRITERS', writers),
    peers: list(env, 'HOST_PEERS', []),
    maxHostedDatabases: count(env, 'MAX_HOSTED_DATABASES', 16),
    maxPushBlocks: count(env, 'MAX_PUSH_BLOCKS', MAX_PUSHED_BLOCKS),
    maxPushBytes: positiveInteger(env, 'MAX_PUSH_BYTES', MAX_PUSHED_BYTES),
    maxRequestsPerPeer: positiveInteger(env, 'MAX_REQUESTS_PER_PEER', 4),
    maxRequests: positiveInteger(env, 'MAX_REQUESTS', 32)
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
  tuned: boolean
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data/server'
  const writers = list(env, 'WRITERS', [])
  const loopback = [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`]
  return {
    dataDir,
    listen: list(env, 'LISTEN_ADDRS', loopback),
    announce: list(env, 'ANNOUNCE_ADDRS', []),
    privateKey: optional(env.PRIVATE_KEY),
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    identityKey: optional(env.IDENTITY_KEY),
    dbName: env.DB_NAME ?? 'liftoff-documents',
    writers,
    maxWaitMs: positiveInteger(env, 'MAX_WAIT_MS', 120_000),
    limits: readConnectionLimits(env),
    hosting: readHostingLimits(env, writers),
    metrics: hostAndPort(env, 'METRICS_LISTEN'),
    tuned: tunedFrom(env)
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
  tuned: boolean
  bitswap?: Tuning['bitswap']
  tune?: Tuning['tune']
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  const dbAddress = optional(env.DB_ADDRESS)
  if (dbAddress === undefined) {
    throw new Error('DB_ADDRESS is not set: give the /orbitdb/… address from the server\'s READY line')
  }
  const name = env.CLIENT_NAME ?? 'client'
  return {
    name,
    dataDir: env.DATA_DIR ?? join('.data', name),
    identityKey: optional(env.IDENTITY_KEY),
    serverAddress: env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    dbAddress,
    writes: count(env, 'WRITES', 3),
    dialDeadlineMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    syncTimeoutMs: positiveInteger(env, 'SYNC_TIMEOUT_MS', 60_000),
    tuned: tunedFrom(env),
    ...tuning(tunedFrom(env))
  }
}

/** The discovery topic when DISCOVERY_TOPIC is unset: one per app, so give yours its own. */
export const DEFAULT_DISCOVERY_TOPIC = 'liftoff-orbitdb._peer-discovery._p2p._pubsub'

export interface PeerConfig extends PeerOptions {
  dbAddress: string | undefined
  identityKey: string | undefined
  tuned: boolean
}

function namedPeer (text: string): void {
  let address: Multiaddr
  try {
    address = multiaddr(text)
  } catch {
    throw new Error(`BOOTSTRAP: "${text}" is not a multiaddr`)
  }
  if (address.getComponents().at(-1)?.name !== 'p2p') {
    throw new Error(`BOOTSTRAP: "${text}" does not end in /p2p/<peer id>: a bootstrap peer must be named`)
  }
}

export function readPeerConfig (env: Env = process.env): PeerConfig {
  const dbAddress = optional(env.DB_ADDRESS)
  const bootstrap = list(env, 'BOOTSTRAP', [])
  bootstrap.forEach(namedPeer)
  if (dbAddress !== undefined && bootstrap.length === 0) {
    throw new Error('BOOTSTRAP is required with DB_ADDRESS: the multiaddr of a peer that relays the discovery ' +
      'topic (a peer started without DB_ADDRESS)')
  }
  const name = env.CLIENT_NAME ?? (dbAddress === undefined ? 'bootstrap' : 'peer')
  return {
    dbAddress,
    name,
    dataDir: env.DATA_DIR ?? join('.data', name),
    identityKey: optional(env.IDENTITY_KEY),
    listen: list(env, 'LISTEN_ADDRS', ['/ip4/127.0.0.1/tcp/0']),
    bootstrap,
    topic: optional(env.DISCOVERY_TOPIC) ?? DEFAULT_DISCOVERY_TOPIC,
    writes: count(env, 'WRITES', 3),
    openTimeoutMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    tuned: tunedFrom(env),
    ...tuning(tunedFrom(env))
  }
}
