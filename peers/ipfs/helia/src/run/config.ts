// Both roles are configured by environment variables; every value has a default that works on loopback.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ClientConfig } from '../connect.ts'
import type { PinLimits } from '../pinning.ts'
import { tunedBitswap } from '../tuned/bitswap.ts'
import { flag, hostAndPort, list, positiveInteger, type Env } from './env.ts'
import { decodePrivateKey } from './identity.ts'

export const DEFAULT_TCP_PORT = 9201
export const DEFAULT_WS_PORT = 9202
export const DEFAULT_GATEWAY_PORT = 9280

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
  if (!bytes.toString('latin1').startsWith('/key/swarm/psk/1.0.0/')) {
    throw new Error(`SWARM_KEY_FILE ${path} is not a swarm key (the first line must be /key/swarm/psk/1.0.0/)`)
  }
  return bytes
}

function gatewayListen (env: Env): { host: string, port: number } {
  const fallback = { host: '127.0.0.1', port: DEFAULT_GATEWAY_PORT }
  try {
    return hostAndPort(env, 'GATEWAY_LISTEN') ?? fallback
  } catch {
    throw new Error(`GATEWAY_LISTEN must look like 127.0.0.1:${DEFAULT_GATEWAY_PORT}, got "${env.GATEWAY_LISTEN}"`)
  }
}

function gatewayUrl (env: Env): string | undefined {
  const url = env.GATEWAY_URL
  if (url === undefined || url === '') return undefined
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new Error(`GATEWAY_URL must be an http(s) URL such as http://127.0.0.1:${DEFAULT_GATEWAY_PORT}, got "${url}"`)
  }
  return url.replace(/\/+$/, '')
}

/** TUNED=1: Bitswap sends its want-list at once (src/tuned/bitswap.ts); Bitswap's defaults otherwise. */
const bitswap = (env: Env) => flag(env, 'TUNED', false) ? tunedBitswap : undefined

/**
 * What the server accepts, on purpose. libp2p's own defaults suit a peer among many peers: 5 new
 * connections per second per remote host and 10 connections in their handshake at once, so 50 clients
 * behind one address (a compose network, a NAT, a load test) are mostly reset. A server for clients needs
 * more; each limit is an env var.
 */
export function readConnectionLimits (env: Env = process.env) {
  return {
    /** MAX_CONNECTIONS: open connections in all; beyond it new ones are closed at once. */
    maxConnections: positiveInteger(env, 'MAX_CONNECTIONS', 1024),
    /** MAX_PENDING_CONNECTIONS: inbound connections still in their Noise/Yamux handshake at once. */
    maxIncomingPendingConnections: positiveInteger(env, 'MAX_PENDING_CONNECTIONS', 256),
    /** INBOUND_CONNECTIONS_PER_SECOND: new connections per second from one remote host. */
    inboundConnectionThreshold: positiveInteger(env, 'INBOUND_CONNECTIONS_PER_SECOND', 200)
  }
}

/** A comma-separated list of peer IDs, each checked. */
export function peerIdList (env: Env, name: string): Set<string> {
  return new Set(list(env, name, []).map(text => {
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

export type ServerConfig = ReturnType<typeof readServerConfig>

export function readServerConfig (env: Env = process.env) {
  const dataDir = env.DATA_DIR ?? '.data'
  return {
    dataDir,
    listen: list(env, 'LISTEN_ADDRS', [
      `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`
    ]),
    announce: list(env, 'ANNOUNCE_ADDRS', []),
    /** Base64 private key; when unset the key lives in `keyFile`. */
    privateKey: env.PRIVATE_KEY === '' ? undefined : env.PRIVATE_KEY,
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    /** Written when the server is ready (its READY JSON), removed when it stops: the compose healthcheck. */
    readyFile: join(dataDir, 'ready.json'),
    /** A file or directory to import (and pin) at start-up; its CID goes in the READY line. */
    servePath: env.SERVE_PATH === '' ? undefined : env.SERVE_PATH,
    gateway: gatewayListen(env),
    pins: readPinLimits(env),
    /** With a swarm key the node joins only that private network. */
    swarmKey: swarmKey(env),
    limits: readConnectionLimits(env),
    /** METRICS_LISTEN (host:port): serve Prometheus metrics there; off when unset. */
    metrics: hostAndPort(env, 'METRICS_LISTEN'),
    bitswap: bitswap(env)
  }
}

/** PRIVATE_KEY (base64 protobuf): the client's identity; a new one each run when unset. */
function clientKey (env: Env) {
  if (env.PRIVATE_KEY === undefined || env.PRIVATE_KEY.trim() === '') return undefined
  try {
    return decodePrivateKey(env.PRIVATE_KEY)
  } catch (err) {
    throw new Error(`PRIVATE_KEY: ${(err as Error).message}`)
  }
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  return {
    serverAddress: env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    privateKey: clientKey(env),
    dialDeadlineMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    fetchTimeoutMs: positiveInteger(env, 'FETCH_TIMEOUT_MS', 60_000),
    gatewayUrl: gatewayUrl(env),
    swarmKey: swarmKey(env),
    bitswap: bitswap(env)
  }
}
