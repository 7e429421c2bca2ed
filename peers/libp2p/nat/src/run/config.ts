// Each role's settings from environment variables, checked before anything starts: a bad value is one line
// naming the variable and what it takes.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { list, type Env } from './env.ts'
import { iceServers } from './ice-servers.ts'
import type { DialerOptions } from '../dialer.ts'
import type { ListenerOptions } from '../listener.ts'
import type { RelayOptions } from '../relay.ts'

class ConfigError extends Error {}

/** Where every role listens by default: TCP and QUIC on loopback, random ports. */
const LOOPBACK = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/udp/0/quic-v1']

function addresses (env: Env, name: string, fallback: string[]): Multiaddr[] {
  const values = env[name] === undefined ? fallback : list(env, name, [])
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
  if (value === undefined || value === '') {
    throw new ConfigError(`${name} is required: the multiaddr to dial, e.g. ${example}`)
  }
  const [parsed] = addresses(env, name, [])
  if (parsed?.getComponents().find(component => component.name === 'p2p') === undefined) {
    throw new ConfigError(`${name}: "${value}" must end in /p2p/<peer id>, e.g. ${example}`)
  }
  return parsed
}

function positive (env: Env, name: string, fallback: number, unit: string): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new ConfigError(`${name}: "${value}" is not a whole number of ${unit}`)
  }
  return parsed
}

function atLeastOne (env: Env, name: string, fallback: number, unit: string): number {
  const value = positive(env, name, fallback, unit)
  if (value === 0) throw new ConfigError(`${name}: "0" is not a whole number of ${unit} above 0`)
  return value
}

export function relayConfig (env: Env): RelayOptions {
  return {
    listen: addresses(env, 'LISTEN_ADDRS', [...LOOPBACK, '/ip4/127.0.0.1/tcp/0/ws']),
    announce: addresses(env, 'ANNOUNCE_ADDRS', []),
    // circuit relay v2's own defaults: 128 KiB and 2 minutes per relayed connection
    limits: {
      bytes: BigInt(positive(env, 'RELAY_LIMIT_BYTES', 128 * 1024, 'bytes')),
      seconds: positive(env, 'RELAY_LIMIT_SECONDS', 120, 'seconds')
    }
  }
}

export function listenerConfig (env: Env): ListenerOptions {
  return {
    relay: address(env, 'RELAY_ADDR', '/ip6/3fff:0:0:1::10/tcp/4001/p2p/12D3KooW…'),
    echo: {
      maxBytes: atLeastOne(env, 'ECHO_MAX_BYTES', 64 * 1024 * 1024, 'bytes'),
      idleTimeoutMs: atLeastOne(env, 'ECHO_IDLE_TIMEOUT_MS', 10_000, 'milliseconds')
    },
    listen: addresses(env, 'LISTEN_ADDRS', LOOPBACK),
    appendAnnounce: addresses(env, 'APPEND_ANNOUNCE', []),
    iceServers: iceServers(env),
    upnp: env.UPNP === '1'
  }
}

export function dialerConfig (env: Env): DialerOptions {
  const example = '/ip6/3fff:0:0:1::10/tcp/4001/p2p/12D3KooW…/p2p-circuit/p2p/12D3KooW…'
  const listener = address(env, 'LISTENER_ADDR', example)
  const via = env.VIA ?? (listener.toString().includes('/webrtc/') ? 'webrtc' : 'relay')
  if (via !== 'relay' && via !== 'webrtc') throw new ConfigError(`VIA: "${via}" is neither relay nor webrtc`)
  if (!listener.toString().includes('/p2p-circuit')) {
    throw new ConfigError(`LISTENER_ADDR: "${listener.toString()}" is not a relayed address (…/p2p-circuit/…): ` +
      'a peer behind NAT is dialled through its relay')
  }
  return {
    listener,
    listen: addresses(env, 'LISTEN_ADDRS', LOOPBACK),
    appendAnnounce: addresses(env, 'APPEND_ANNOUNCE', []),
    iceServers: iceServers(env),
    via,
    directTimeoutMs: positive(env, 'DIRECT_TIMEOUT_MS', 15_000, 'milliseconds'),
    messages: positive(env, 'MESSAGES', 3, 'messages'),
    echoBytes: positive(env, 'ECHO_BYTES', 0, 'bytes'),
    stdinMessages: env.STDIN_MESSAGES === '1'
  }
}
