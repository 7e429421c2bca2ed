// The harness's configuration: both roles read environment variables; every value has a default that works on
// loopback. TUNED=1 turns on the speed-ups in src/tuned/ (off: the libraries' defaults).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NoiseInit } from '@chainsafe/libp2p-noise'
import type { YamuxMuxerInit } from '@chainsafe/libp2p-yamux'
import type { ClientOptions } from '../client.ts'
import { DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES } from '../messages.ts'
import { tunedNoise } from '../tuned/noise-crypto.ts'
import { yamuxTuning } from '../tuned/yamux.ts'
import { flag, hostAndPort, list, positiveInteger, type Env } from './env.ts'

export const DEFAULT_TCP_PORT = 9111
export const DEFAULT_WS_PORT = 9112

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

/** TUNED=1: Noise with the cipher of src/tuned/noise-crypto.ts and Yamux of src/tuned/yamux.ts; unset, theirs. */
function tuning (env: Env): { noise: NoiseInit | undefined, yamux: YamuxMuxerInit | undefined } {
  return flag(env, 'TUNED', false) ? { noise: tunedNoise, yamux: yamuxTuning } : { noise: undefined, yamux: undefined }
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
  /** With a swarm key the node joins only that private network. */
  swarmKey: Uint8Array | undefined
  /** Also a circuit relay (v2), so peers that cannot be dialled (browsers) can reach each other. */
  relay: boolean
  limits: ConnectionLimits
  /** MESSAGE_TIMEOUT_MS: a whole request frame must arrive within this after the previous answer. */
  messageTimeoutMs: number
  /** MAX_ECHO_BYTES: bytes one echo stream may send before it is reset. */
  maxEchoBytes: number
  /** METRICS_LISTEN (host:port, e.g. 0.0.0.0:9464): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
  /** TUNED: Noise's and Yamux's settings (undefined: the libraries' defaults). */
  noise: NoiseInit | undefined
  yamux: YamuxMuxerInit | undefined
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? '.data'
  const loopback = [`/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`, `/ip4/127.0.0.1/tcp/${DEFAULT_WS_PORT}/ws`]
  return {
    listen: list(env, 'LISTEN_ADDRS', loopback),
    announce: list(env, 'ANNOUNCE_ADDRS', []),
    privateKey: env.PRIVATE_KEY === '' ? undefined : env.PRIVATE_KEY,
    keyFile: env.KEY_FILE ?? join(dataDir, 'peer.key'),
    readyFile: join(dataDir, 'ready.json'),
    maxMessageBytes: positiveInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES),
    swarmKey: swarmKey(env),
    relay: flag(env, 'RELAY', true),
    limits: readConnectionLimits(env),
    messageTimeoutMs: positiveInteger(env, 'MESSAGE_TIMEOUT_MS', DEFAULT_FRAME_TIMEOUT_MS),
    maxEchoBytes: positiveInteger(env, 'MAX_ECHO_BYTES', 256 * 1024 * 1024),
    metrics: hostAndPort(env, 'METRICS_LISTEN'),
    ...tuning(env)
  }
}

export type ClientConfig = ClientOptions

/** `argv[0]`, when given, is the server's multiaddr and wins over SERVER_ADDR. */
export function readClientConfig (env: Env = process.env, argv: string[] = []): ClientConfig {
  return {
    name: env.CLIENT_NAME ?? 'client',
    serverAddress: argv[0] ?? env.SERVER_ADDR ?? `/ip4/127.0.0.1/tcp/${DEFAULT_TCP_PORT}`,
    dialDeadlineMs: positiveInteger(env, 'DIAL_TIMEOUT_MS', 30_000),
    messages: list(env, 'MESSAGES', ['hello libp2p', 'ping over yamux', 'goodbye']),
    echoBytes: positiveInteger(env, 'ECHO_BYTES', 1024 * 1024),
    maxMessageBytes: positiveInteger(env, 'MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES),
    swarmKey: swarmKey(env),
    ...tuning(env)
  }
}
