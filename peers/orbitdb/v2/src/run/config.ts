// Both roles are configured by environment variables; every value but the client's DB_ADDRESS has a
// default that works on loopback.
import { join } from 'node:path'
import type { ClientOptions } from '../client.ts'
import { MAX_PUSHED_BLOCKS, MAX_PUSHED_BYTES } from '../replication.ts'
import type { HostingLimits } from '../server.ts'
import { flag, hostAndPort, list, positiveInteger, type Env } from './env.ts'
import { tuning } from './tuning.ts'

export const DEFAULT_TCP_PORT = 9301

/** A whole number ≥ 0 (0 turns the thing off: no hosting, no pushed blocks, no writes). */
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
  /** TUNED: the speed-ups in src/tuned/ (native signatures, no Bitswap debounce); off by default. */
  tuned: boolean
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data/server'
  const writers = list(env, 'WRITERS', [])
  return {
    dataDir,
    listen: list(env, 'LISTEN_ADDRS', [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`]),
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
    tuned: flag(env, 'TUNED', false)
  }
}

export type ClientConfig = ClientOptions

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
    ...tuning(flag(env, 'TUNED', false))
  }
}
