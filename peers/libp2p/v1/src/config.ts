// Both roles are configured by environment variables; every value has a default that works on loopback.
import { join } from 'node:path'
import { DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES } from './messages.ts'

export const DEFAULT_TCP_PORT = 9101
export const DEFAULT_WS_PORT = 9102

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

/** METRICS_LISTEN (host:port, e.g. 0.0.0.0:9464): where Prometheus scrapes `/metrics`; unset, no metrics server. */
function metricsListen (env: Env): { host: string, port: number } | undefined {
  const text = env.METRICS_LISTEN?.trim()
  if (text === undefined || text === '') return undefined
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text)
  if (match === null || Number(match[2]) > 65535) throw new Error(`METRICS_LISTEN must look like 127.0.0.1:9464, got "${text}"`)
  return { host: match[1]!, port: Number(match[2]) }
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
  /** MAX_STREAMS_PER_CONNECTION: concurrent streams of one protocol on one connection. */
  maxStreamsPerConnection: number
}

export function readConnectionLimits (env: Env = process.env): ConnectionLimits {
  return {
    maxConnections: positiveInteger(env, 'MAX_CONNECTIONS', 1024),
    maxPendingConnections: positiveInteger(env, 'MAX_PENDING_CONNECTIONS', 256),
    inboundConnectionsPerSecond: positiveInteger(env, 'INBOUND_CONNECTIONS_PER_SECOND', 200),
    maxStreamsPerConnection: positiveInteger(env, 'MAX_STREAMS_PER_CONNECTION', 64)
  }
}

export interface ServerConfig {
  listen: string[]
  announce: string[]
  /** Base64 private key; when unset the key lives in `keyFile`. */
  privateKey: string | undefined
  keyFile: string
  /** Written when the server is ready (its READY JSON), removed when it stops: the compose healthcheck. */
  readyFile: string
  maxMessageBytes: number
  limits: ConnectionLimits
  /** MESSAGE_TIMEOUT_MS: a whole request frame must arrive within this after the previous answer. */
  messageTimeoutMs: number
  /** MAX_ECHO_BYTES: bytes one echo stream may send before it is reset. */
  maxEchoBytes: number
  /** METRICS_LISTEN: serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data'
  return {
    listen: list(env.LISTEN_ADDRS, [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`]),
    announce: list(env.ANNOUNCE_ADDRS, []),
    privateKey: env.PRIVATE_KEY === '' ? undefined : env.PRIVATE_KEY,
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    maxMessageBytes: positiveInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES),
    limits: readConnectionLimits(env),
    messageTimeoutMs: positiveInteger(env, 'MESSAGE_TIMEOUT_MS', DEFAULT_FRAME_TIMEOUT_MS),
    maxEchoBytes: positiveInteger(env, 'MAX_ECHO_BYTES', 256 * 1024 * 1024),
    metrics: metricsListen(env)
  }
}

export interface ClientConfig {
  name: string
  serverAddress: string
  dialDeadlineMs: number
  messages: string[]
  echoBytes: number
  maxMessageBytes: number
}

/** `argv[0]`, when given, is the server's multiaddr and wins over SERVER_ADDR. */
export function readClientConfig (env: Env = process.env, argv: string[] = []): ClientConfig {
  return {
    name: env.CLIENT_NAME ?? 'client',
    serverAddress: argv[0] ?? env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    dialDeadlineMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    messages: list(env.MESSAGES, ['hello libp2p', 'ping over yamux', 'goodbye']),
    echoBytes: positiveInteger(env, 'ECHO_BYTES', 1024 * 1024),
    maxMessageBytes: positiveInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES)
  }
}
