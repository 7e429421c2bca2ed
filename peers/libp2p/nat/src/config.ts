// Each role's settings from environment variables, checked before anything starts: a bad value is one line
// naming the variable and what it takes.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

export type Env = Record<string, string | undefined>

/** A STUN or TURN server as WebRTC takes it (RTCIceServer). */
export interface IceServer { urls: string, username?: string, credential?: string }

/** The peer an address ends at: its last /p2p/<id> (for a relayed address, the peer behind the relay). */
export function peerIdOf (address: Multiaddr): string {
  const peer = address.getComponents().filter(component => component.name === 'p2p').at(-1)?.value
  if (peer === undefined) throw new ConfigError(`"${address.toString()}" names no peer (/p2p/<id>)`)
  return peer
}

export class ConfigError extends Error {}

const list = (value: string | undefined): string[] => (value ?? '').split(',').map(item => item.trim()).filter(Boolean)

function addresses (env: Env, name: string, fallback: string[]): Multiaddr[] {
  const values = env[name] === undefined ? fallback : list(env[name])
  return values.map(value => {
    try {
      return multiaddr(value)
    } catch {
      throw new ConfigError(`${name}: "${value}" is not a multiaddr (e.g. /ip6/::/tcp/4001)`)
    }
  })
}

function address (env: Env, name: string, example: string): Multiaddr {
  const value = env[name]
  if (value === undefined || value === '') throw new ConfigError(`${name} is required: the multiaddr to dial, e.g. ${example}`)
  const [parsed] = addresses(env, name, [])
  if (parsed === undefined || parsed.getComponents().find(component => component.name === 'p2p') === undefined) throw new ConfigError(`${name}: "${value}" must end in /p2p/<peer id>, e.g. ${example}`)
  return parsed
}

function positive (env: Env, name: string, fallback: number, unit: string): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new ConfigError(`${name}: "${value}" is not a whole number of ${unit}`)
  return parsed
}

function atLeastOne (env: Env, name: string, fallback: number, unit: string): number {
  const value = positive(env, name, fallback, unit)
  if (value === 0) throw new ConfigError(`${name}: "0" is not a whole number of ${unit} above 0`)
  return value
}

/**
 * ICE servers for WebRTC: ICE_SERVERS is a comma-separated list of `stun:host:port` and
 * `turn:user:password@host:port` (the password may not contain "@"). Empty: host candidates only.
 */
export function iceServers (env: Env): IceServer[] {
  return list(env.ICE_SERVERS).map(entry => {
    const stun = /^stuns?:(.+)$/.exec(entry)
    const turn = /^(turns?):([^:@]+):([^@]+)@(.+)$/.exec(entry)
    if (turn !== null) return { urls: `${turn[1]!}:${turn[4]!}`, username: turn[2]!, credential: turn[3]! }
    if (stun !== null) return { urls: entry }
    throw new ConfigError(`ICE_SERVERS: "${entry}" is neither stun:<host>:<port> nor turn:<user>:<password>@<host>:<port>`)
  })
}

export interface RelayConfig {
  listen: Multiaddr[]
  announce: Multiaddr[]
  limitBytes: bigint
  limitSeconds: number
}

export function relayConfig (env: Env): RelayConfig {
  return {
    listen: addresses(env, 'LISTEN_ADDRS', ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1', '/ip4/127.0.0.1/tcp/0/ws']),
    announce: addresses(env, 'ANNOUNCE_ADDRS', []),
    // circuit relay v2's own defaults: 128 KiB and 2 minutes per relayed connection
    limitBytes: BigInt(positive(env, 'RELAY_LIMIT_BYTES', 128 * 1024, 'bytes')),
    limitSeconds: positive(env, 'RELAY_LIMIT_SECONDS', 120, 'seconds')
  }
}

export interface ListenerConfig {
  relay: Multiaddr
  /** ECHO_MAX_BYTES, ECHO_IDLE_TIMEOUT_MS: what one echo stream may take. */
  echo: { maxBytes: number, idleTimeoutMs: number }
  listen: Multiaddr[]
  appendAnnounce: Multiaddr[]
  iceServers: IceServer[]
  upnp: boolean
}

export function listenerConfig (env: Env): ListenerConfig {
  return {
    relay: address(env, 'RELAY_ADDR', '/ip6/3fff:0:0:1::10/tcp/4001/p2p/12D3KooW…'),
    echo: {
      maxBytes: atLeastOne(env, 'ECHO_MAX_BYTES', 64 * 1024 * 1024, 'bytes'),
      idleTimeoutMs: atLeastOne(env, 'ECHO_IDLE_TIMEOUT_MS', 10_000, 'milliseconds')
    },
    listen: addresses(env, 'LISTEN_ADDRS', ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1']),
    appendAnnounce: addresses(env, 'APPEND_ANNOUNCE', []),
    iceServers: iceServers(env),
    upnp: env.UPNP === '1'
  }
}

export type Via = 'relay' | 'webrtc'

export interface DialerConfig {
  listener: Multiaddr
  listen: Multiaddr[]
  appendAnnounce: Multiaddr[]
  iceServers: IceServer[]
  /** relay: dial the listener's circuit address and let DCUtR upgrade it; webrtc: dial its /webrtc address. */
  via: Via
  directTimeoutMs: number
  messages: number
  /** Then echo this many bytes over the same connection and print the throughput (0: none). */
  echoBytes: number
  /** After the first messages, send each line read from stdin, until stdin ends. */
  stdinMessages: boolean
}

export function dialerConfig (env: Env): DialerConfig {
  const listener = address(env, 'LISTENER_ADDR', '/ip6/3fff:0:0:1::10/tcp/4001/p2p/12D3KooW…/p2p-circuit/p2p/12D3KooW…')
  const via = env.VIA ?? (listener.toString().includes('/webrtc/') ? 'webrtc' : 'relay')
  if (via !== 'relay' && via !== 'webrtc') throw new ConfigError(`VIA: "${via}" is neither relay nor webrtc`)
  if (!listener.toString().includes('/p2p-circuit')) throw new ConfigError(`LISTENER_ADDR: "${listener.toString()}" is not a relayed address (…/p2p-circuit/…): a peer behind NAT is dialled through its relay`)
  return {
    listener,
    listen: addresses(env, 'LISTEN_ADDRS', ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1']),
    appendAnnounce: addresses(env, 'APPEND_ANNOUNCE', []),
    iceServers: iceServers(env),
    via,
    directTimeoutMs: positive(env, 'DIRECT_TIMEOUT_MS', 15_000, 'milliseconds'),
    messages: positive(env, 'MESSAGES', 3, 'messages'),
    echoBytes: positive(env, 'ECHO_BYTES', 0, 'bytes'),
    stdinMessages: env.STDIN_MESSAGES === '1'
  }
}
