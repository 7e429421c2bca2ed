// Each role's settings from environment variables; every value has a default that works on loopback, except
// the client's BOOTSTRAP: a client knows one peer and finds everything else through the DHT.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { list, positiveInteger, type Env } from './env.ts'
import type { ClientOptions } from '../client.ts'
import type { DhtNetwork } from '../node.ts'
import type { PeerOptions } from '../peer.ts'
import type { ServerOptions } from '../server.ts'

export const DEFAULT_PORT = 9301

interface NodeConfig {
  listen: string[]
  announce: string[]
  /** BOOTSTRAP: one or more peers to join through, each with /p2p/<peer id>. */
  bootstrap: string[]
  /** DHT_NETWORK: which of Kubo's two DHTs (lan, the default, or wan). */
  network: DhtNetwork
}

export interface ServerConfig extends ServerOptions {
  /** How often this node announces again what it provides and drops expired records (REPROVIDE_INTERVAL_MS). */
  reprovideIntervalMs: number
  /** How long the provider records this node keeps for others stay valid (PROVIDE_VALIDITY_MS; Kubo: 48 h). */
  provideValidityMs: number
}

export interface ClientConfig extends ClientOptions, NodeConfig {}

/** A comma-separated list of peer IDs, each checked. */
function peerIds (env: Env, name: string): Set<string> {
  return new Set(list(env, name, []).map(text => {
    try {
      return peerIdFromString(text).toString()
    } catch {
      throw new Error(`${name}: "${text}" is not a peer ID (12D3KooW…)`)
    }
  }))
}

/** Multiaddrs that each name their peer (…/p2p/<peer id>). */
function namedPeers (env: Env, name: string): string[] {
  return list(env, name, []).map(text => {
    let components
    try {
      components = multiaddr(text).getComponents()
    } catch {
      throw new Error(`${name}: "${text}" is not a multiaddr`)
    }
    const peer = components.findLast(component => component.name === 'p2p')
    if (peer === undefined) throw new Error(`${name}: "${text}" has no /p2p/<peer id>: a bootstrap peer must be named`)
    try {
      peerIdFromString(peer.value!)
    } catch {
      throw new Error(`${name}: "${text}" does not end in a valid peer ID`)
    }
    return text
  })
}

function nodeConfig (env: Env): NodeConfig {
  const network = env.DHT_NETWORK ?? 'lan'
  if (network !== 'lan' && network !== 'wan') throw new Error(`DHT_NETWORK must be lan or wan, got "${network}"`)
  const listen = list(env, 'LISTEN_ADDRS', [])
  const announce = list(env, 'ANNOUNCE_ADDRS', [])
  for (const address of [...listen, ...announce]) {
    try {
      multiaddr(address)
    } catch {
      throw new Error(`"${address}" is not a multiaddr (LISTEN_ADDRS, ANNOUNCE_ADDRS)`)
    }
  }
  return { listen, announce, bootstrap: namedPeers(env, 'BOOTSTRAP'), network }
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const node = nodeConfig(env)
  const acceptHosting = env.ACCEPT_HOSTING === '1'
  const dataDir = env.DATA_DIR === undefined || env.DATA_DIR.trim() === '' ? undefined : env.DATA_DIR
  if (acceptHosting && dataDir === undefined) {
    throw new Error('ACCEPT_HOSTING=1 needs DATA_DIR: hosted blocks are kept on disk there, not in memory')
  }
  // checked even with hosting off: a bad value is one line either way
  const hosting = {
    allowPeers: peerIds(env, 'HOSTING_ALLOW_PEERS'),
    maxBytes: positiveInteger(env, 'HOSTING_MAX_BYTES', 64 * 1024 * 1024),
    maxBlocks: positiveInteger(env, 'HOSTING_MAX_BLOCKS', 4096),
    maxConcurrentPerPeer: positiveInteger(env, 'HOSTING_MAX_CONCURRENT_PER_PEER', 2),
    timeoutMs: positiveInteger(env, 'HOSTING_TIMEOUT_MS', 60_000)
  }
  return {
    ...node,
    listen: node.listen.length > 0 ? node.listen : [`/ip4/127.0.0.1/tcp/${DEFAULT_PORT}`],
    provideText: env.PROVIDE_TEXT === '' ? undefined : env.PROVIDE_TEXT,
    publishName: env.PUBLISH_NAME === '1',
    hosting: acceptHosting ? hosting : undefined,
    dataDir,
    reprovideIntervalMs: positiveInteger(env, 'REPROVIDE_INTERVAL_MS', 60 * 60 * 1000),
    provideValidityMs: positiveInteger(env, 'PROVIDE_VALIDITY_MS', 48 * 60 * 60 * 1000)
  }
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  const node = nodeConfig(env)
  const delegatedRouter = env.DELEGATED_ROUTER === '' ? undefined : env.DELEGATED_ROUTER
  if (delegatedRouter !== undefined &&
    (!URL.canParse(delegatedRouter) || !/^https?:$/.test(new URL(delegatedRouter).protocol))) {
    throw new Error('DELEGATED_ROUTER must be an http(s) URL such as http://127.0.0.1:8080 (Kubo\'s gateway), ' +
      `got "${delegatedRouter}"`)
  }
  if (node.bootstrap.length === 0 && delegatedRouter === undefined) {
    throw new Error('BOOTSTRAP is required: the multiaddr of one peer of the DHT, with /p2p/<peer id> ' +
      '(or DELEGATED_ROUTER: a Routing V1 HTTP API)')
  }
  return {
    ...node,
    delegatedRouter,
    timeoutMs: positiveInteger(env, 'TIMEOUT_MS', 30_000),
    nameKeyFile: env.NAME_KEY_FILE ?? '.name-key'
  }
}

export function readPeerConfig (env: Env = process.env): PeerOptions {
  const node = nodeConfig(env)
  const topic = env.DISCOVERY_TOPIC ?? ''
  if (topic.trim() === '') throw new Error('DISCOVERY_TOPIC is required: the topic the peers of your app share')
  const minPeers = env.MIN_PEERS === '0' ? 0 : positiveInteger(env, 'MIN_PEERS', 1)
  if (node.bootstrap.length === 0 && minPeers > 0) {
    throw new Error('BOOTSTRAP is required: the multiaddr of one peer that relays the discovery topic, with ' +
      '/p2p/<peer id> (without one and with MIN_PEERS=0, this peer is that bootstrap peer)')
  }
  return {
    listen: node.listen.length > 0 ? node.listen : ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: node.bootstrap,
    topic,
    minPeers,
    timeoutMs: positiveInteger(env, 'TIMEOUT_MS', 30_000)
  }
}
