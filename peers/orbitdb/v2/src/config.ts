// Both roles are configured by environment variables; every value but the client's DB_ADDRESS has a
// default that works on loopback.
import { join } from 'node:path'

export const DEFAULT_TCP_PORT = 9301

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
  /** METRICS_LISTEN (host:port, e.g. 0.0.0.0:9464): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data/server'
  return {
    dataDir,
    listen: list(env.LISTEN_ADDRS, [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`]),
    announce: list(env.ANNOUNCE_ADDRS, []),
    privateKey: optional(env.PRIVATE_KEY),
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    identityKey: optional(env.IDENTITY_KEY),
    dbName: env.DB_NAME ?? 'liftoff-documents',
    writers: list(env.WRITERS, []),
    maxWaitMs: count(env, 'MAX_WAIT_MS', 120_000),
    limits: readConnectionLimits(env),
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
