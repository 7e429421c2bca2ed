// Both roles are configured by environment variables; every value has a default that works on loopback,
// except the client's BOOTSTRAP: a client knows one peer and finds everything else through the DHT.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { HostingLimits } from './hosting.ts'

export const DEFAULT_PORT = 9301

type Env = Record<string, string | undefined>

/**
 * Which of Kubo's two DHTs to join. Kubo runs both and sorts peers by address: peers with private addresses
 * (loopback, 10/8, 192.168/16, fc00::/7 …) meet in the LAN DHT (`/ipfs/lan/kad/1.0.0`), peers with public
 * ones in the WAN DHT (`/ipfs/kad/1.0.0`, the public Amino DHT when bootstrapped from its list).
 */
export type DhtNetwork = 'lan' | 'wan'

export interface NodeConfig {
  listen: string[]
  announce: string[]
  /** One or more peers to join through, each with /p2p/<peer id>. */
  bootstrap: Multiaddr[]
  network: DhtNetwork
}

export interface ServerConfig extends NodeConfig {
  /** Text to add and provide (PROVIDE_TEXT). */
  provideText: string | undefined
  /** Publish the provided root under this node's IPNS name (PUBLISH_NAME=1). */
  publishName: boolean
  /** Keep and announce what peers ask it to over /liftoff/host/1.0.0 (ACCEPT_HOSTING=1), for the peers in HOSTING_ALLOW_PEERS only. */
  acceptHosting: boolean
  hosting: HostingLimits
  /** DATA_DIR: blocks and pins on disk there (required with ACCEPT_HOSTING=1); in memory when unset. */
  dataDir: string | undefined
  /** How often this node announces again what it provides and drops expired records (REPROVIDE_INTERVAL_MS). */
  reprovideIntervalMs: number
  /** How long the provider records this node keeps for others stay valid (PROVIDE_VALIDITY_MS; Kubo: 48 h). */
  provideValidityMs: number
}

export interface ClientConfig extends NodeConfig {
  /** A Routing V1 HTTP API to ask instead of joining the DHT (DELEGATED_ROUTER, e.g. Kubo's gateway). */
  delegatedRouter: string | undefined
  timeoutMs: number
  /** Where `publish` keeps its name's key (NAME_KEY_FILE); made on first use. */
  nameKeyFile: string
}

function list (value: string | undefined): string[] {
  return (value ?? '').split(',').map(item => item.trim()).filter(item => item !== '')
}

function positiveInteger (env: Env, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`)
  return value
}

/** A comma-separated list of peer IDs, each checked. */
function peerIds (env: Env, name: string): Set<string> {
  return new Set(list(env[name]).map(text => {
    try {
      return peerIdFromString(text).toString()
    } catch {
      throw new Error(`${name}: "${text}" is not a peer ID (12D3KooW…)`)
    }
  }))
}

function addresses (env: Env, name: string): Multiaddr[] {
  return list(env[name]).map(text => {
    let address: Multiaddr
    try {
      address = multiaddr(text)
    } catch {
      throw new Error(`${name}: "${text}" is not a multiaddr`)
    }
    if (address.getComponents().find(component => component.name === 'p2p') === undefined) throw new Error(`${name}: "${text}" has no /p2p/<peer id>: a bootstrap peer must be named`)
    try {
      peerOf(address)
    } catch {
      throw new Error(`${name}: "${text}" does not end in a valid peer ID`)
    }
    return address
  })
}

function nodeConfig (env: Env): NodeConfig {
  const network = env.DHT_NETWORK ?? 'lan'
  if (network !== 'lan' && network !== 'wan') throw new Error(`DHT_NETWORK must be lan or wan, got "${network}"`)
  const listen = list(env.LISTEN_ADDRS)
  for (const address of [...listen, ...list(env.ANNOUNCE_ADDRS)]) {
    try {
      multiaddr(address)
    } catch {
      throw new Error(`"${address}" is not a multiaddr (LISTEN_ADDRS, ANNOUNCE_ADDRS)`)
    }
  }
  return { listen, announce: list(env.ANNOUNCE_ADDRS), bootstrap: addresses(env, 'BOOTSTRAP'), network }
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const node = nodeConfig(env)
  const acceptHosting = env.ACCEPT_HOSTING === '1'
  const dataDir = env.DATA_DIR === undefined || env.DATA_DIR.trim() === '' ? undefined : env.DATA_DIR
  if (acceptHosting && dataDir === undefined) throw new Error('ACCEPT_HOSTING=1 needs DATA_DIR: hosted blocks are kept on disk there, not in memory')
  return {
    ...node,
    listen: node.listen.length > 0 ? node.listen : [`/ip4/127.0.0.1/tcp/${DEFAULT_PORT}`],
    provideText: env.PROVIDE_TEXT === '' ? undefined : env.PROVIDE_TEXT,
    publishName: env.PUBLISH_NAME === '1',
    acceptHosting,
    hosting: {
      allowPeers: peerIds(env, 'HOSTING_ALLOW_PEERS'),
      maxBytes: positiveInteger(env, 'HOSTING_MAX_BYTES', 64 * 1024 * 1024),
      maxBlocks: positiveInteger(env, 'HOSTING_MAX_BLOCKS', 4096),
      maxConcurrentPerPeer: positiveInteger(env, 'HOSTING_MAX_CONCURRENT_PER_PEER', 2),
      timeoutMs: positiveInteger(env, 'HOSTING_TIMEOUT_MS', 60_000)
    },
    dataDir,
    reprovideIntervalMs: positiveInteger(env, 'REPROVIDE_INTERVAL_MS', 60 * 60 * 1000),
    provideValidityMs: positiveInteger(env, 'PROVIDE_VALIDITY_MS', 48 * 60 * 60 * 1000)
  }
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  const node = nodeConfig(env)
  const delegatedRouter = env.DELEGATED_ROUTER === '' ? undefined : env.DELEGATED_ROUTER
  if (delegatedRouter !== undefined && (!URL.canParse(delegatedRouter) || !/^https?:$/.test(new URL(delegatedRouter).protocol))) throw new Error(`DELEGATED_ROUTER must be an http(s) URL such as http://127.0.0.1:8080 (Kubo's gateway), got "${delegatedRouter}"`)
  if (node.bootstrap.length === 0 && delegatedRouter === undefined) throw new Error('BOOTSTRAP is required: the multiaddr of one peer of the DHT, with /p2p/<peer id> (or DELEGATED_ROUTER: a Routing V1 HTTP API)')
  return {
    ...node,
    delegatedRouter,
    timeoutMs: positiveInteger(env, 'TIMEOUT_MS', 30_000),
    nameKeyFile: env.NAME_KEY_FILE ?? '.name-key'
  }
}

export function oneLine (text: string): string {
  return text.split('\n').map(line => line.trim()).filter(line => line !== '').join(' ')
}

/** The peer a `…/p2p/<peer id>` address names. */
export function peerOf (address: Multiaddr): PeerId {
  return peerIdFromString(address.getComponents().findLast(component => component.name === 'p2p')!.value!)
}

export interface PeerConfig {
  listen: string[]
  bootstrap: Multiaddr[]
  /** DISCOVERY_TOPIC: peers of one app share it. */
  topic: string
  /** MIN_PEERS: exit 0 once connected to this many peers found by topic; 0 runs until stopped. */
  minPeers: number
  timeoutMs: number
}

export function readPeerConfig (env: Env = process.env): PeerConfig {
  const node = nodeConfig(env)
  const topic = env.DISCOVERY_TOPIC ?? ''
  if (topic.trim() === '') throw new Error('DISCOVERY_TOPIC is required: the topic the peers of your app share')
  const minPeers = env.MIN_PEERS === '0' ? 0 : positiveInteger(env, 'MIN_PEERS', 1)
  if (node.bootstrap.length === 0 && minPeers > 0) throw new Error('BOOTSTRAP is required: the multiaddr of one peer that relays the discovery topic, with /p2p/<peer id> (without one and with MIN_PEERS=0, this peer is that bootstrap peer)')
  return {
    listen: node.listen.length > 0 ? node.listen : ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: node.bootstrap,
    topic,
    minPeers,
    timeoutMs: positiveInteger(env, 'TIMEOUT_MS', 30_000)
  }
}
