// Both roles are configured by environment variables; every value has a default that works on loopback.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'

export const DEFAULT_TCP_PORT = 9201
export const DEFAULT_WS_PORT = 9202
export const DEFAULT_GATEWAY_PORT = 9280

type Env = Record<string, string | undefined>

function list (value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback
  return value.split(',').map(item => item.trim()).filter(item => item !== '')
}

function positiveInteger (env: Env, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`)
  return value
}

/** SWARM_KEY_FILE: a `swarm.key` in Kubo's format (`pnpm swarm-key` in the repo writes one). */
function swarmKey (env: Env): Uint8Array | undefined {
  const path = env.SWARM_KEY_FILE
  if (path === undefined || path === '') return undefined
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (err) {
    throw new Error(`SWARM_KEY_FILE: ${(err as Error).message}`)
  }
  if (!bytes.toString('latin1').startsWith('/key/swarm/psk/1.0.0/')) throw new Error(`SWARM_KEY_FILE ${path} is not a swarm key (the first line must be /key/swarm/psk/1.0.0/)`)
  return bytes
}

function hostAndPort (env: Env, name: string, fallback: string): { host: string, port: number } {
  const text = env[name] ?? fallback
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim())
  if (match === null || Number(match[2]) > 65535) throw new Error(`${name} must look like 127.0.0.1:${DEFAULT_GATEWAY_PORT}, got "${text}"`)
  return { host: match[1]!, port: Number(match[2]) }
}

function gatewayUrl (env: Env): string | undefined {
  const url = env.GATEWAY_URL
  if (url === undefined || url === '') return undefined
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new Error(`GATEWAY_URL must be an http(s) URL such as http://127.0.0.1:${DEFAULT_GATEWAY_PORT}, got "${url}"`)
  return url.replace(/\/+$/, '')
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

/** Who may ask this server to pin (/liftoff/pin/1.0.0), and how much one request may cost it. */
export interface PinLimits {
  /** PIN_ALLOW_PEERS: the peer IDs that may ask; empty (the default) refuses everyone. */
  allowPeers: Set<string>
  /** PIN_TIMEOUT_MS: fetching the whole DAG must finish within this. */
  timeoutMs: number
  /** PIN_MAX_BYTES: the most bytes of blocks one pinned DAG may hold. */
  maxBytes: number
  /** PIN_MAX_BLOCKS: the most blocks one pinned DAG may have. */
  maxBlocks: number
  /** PIN_MAX_CONCURRENT_PER_PEER: pin requests one peer may have in progress at once. */
  maxConcurrentPerPeer: number
}

/** A comma-separated list of peer IDs, each checked. */
export function peerIdList (env: Env, name: string): Set<string> {
  return new Set(list(env[name], []).map(text => {
    try {
      return peerIdFromString(text).toString()
    } catch {
      throw new Error(`${name}: "${text}" is not a peer ID (12D3KooW…)`)
    }
  }))
}

export function readPinLimits (env: Env = process.env): PinLimits {
  return {
    allowPeers: peerIdList(env, 'PIN_ALLOW_PEERS'),
    timeoutMs: positiveInteger(env, 'PIN_TIMEOUT_MS', 60_000),
    maxBytes: positiveInteger(env, 'PIN_MAX_BYTES', 1024 * 1024 * 1024),
    maxBlocks: positiveInteger(env, 'PIN_MAX_BLOCKS', 10_000),
    maxConcurrentPerPeer: positiveInteger(env, 'PIN_MAX_CONCURRENT_PER_PEER', 2)
  }
}

export interface ServerConfig {
  dataDir: string
  listen: string[]
  announce: string[]
  /** Base64 private key; when unset the key lives in `keyFile`. */
  privateKey: string | undefined
  keyFile: string
  /** Written when the server is ready (its READY JSON), removed when it stops: the compose healthcheck. */
  readyFile: string
  /** A file or directory to import (and pin) at start-up; its CID goes in the READY line. */
  servePath: string | undefined
  gateway: { host: string, port: number }
  pins: PinLimits
  /** With a swarm key the node joins only that private network. */
  swarmKey: Uint8Array | undefined
  limits: ConnectionLimits
  /** METRICS_LISTEN (host:port): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data'
  return {
    dataDir,
    listen: list(env.LISTEN_ADDRS, [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`]),
    announce: list(env.ANNOUNCE_ADDRS, []),
    privateKey: env.PRIVATE_KEY === '' ? undefined : env.PRIVATE_KEY,
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    servePath: env.SERVE_PATH === '' ? undefined : env.SERVE_PATH,
    gateway: hostAndPort(env, 'GATEWAY_LISTEN', `127.0.0.1:${DEFAULT_GATEWAY_PORT}`),
    pins: readPinLimits(env),
    swarmKey: swarmKey(env),
    limits: readConnectionLimits(env),
    metrics: env.METRICS_LISTEN === undefined || env.METRICS_LISTEN.trim() === '' ? undefined : hostAndPort(env, 'METRICS_LISTEN', '')
  }
}

export interface ClientConfig {
  serverAddress: string
  /** PRIVATE_KEY (base64 protobuf): the client's identity, the peer ID a server's PIN_ALLOW_PEERS names; a new one each run when unset. */
  privateKey: string | undefined
  dialDeadlineMs: number
  /** How long `get` waits for content nobody may have. */
  fetchTimeoutMs: number
  /** With a trustless gateway URL, `get` fetches a CAR over HTTP instead of blocks over bitswap. */
  gatewayUrl: string | undefined
  swarmKey: Uint8Array | undefined
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  return {
    serverAddress: env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    privateKey: env.PRIVATE_KEY === undefined || env.PRIVATE_KEY.trim() === '' ? undefined : env.PRIVATE_KEY,
    dialDeadlineMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    fetchTimeoutMs: positiveInteger(env, 'FETCH_TIMEOUT_MS', 60_000),
    gatewayUrl: gatewayUrl(env),
    swarmKey: swarmKey(env)
  }
}

/** libp2p 3 explains some failures over several lines (with stacks); a CLI error is one line. */
export function oneLine (message: string): string {
  return message.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('at ')).join(' ')
}
