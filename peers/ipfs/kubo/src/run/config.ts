// Both roles are configured by environment variables; every value has a default that works on loopback.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import manifest from '../../package.json' with { type: 'json' }
import type { ClientConfig } from '../rpc.ts'
import type { ServerConfig } from '../server.ts'
import { list, positiveInteger, type Env } from './env.ts'

/** The Kubo release this example is proved against (the repo builds it into .tools/, compose pulls the image). */
export const KUBO_VERSION = manifest.liftoff.kubo

export const DEFAULT_API = '127.0.0.1:5001'
export const DEFAULT_GATEWAY = '127.0.0.1:8080'
export const DEFAULT_SWARM = ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws']

/** `127.0.0.1:5001` → `/ip4/127.0.0.1/tcp/5001`, the form Kubo's config wants. */
function tcpMultiaddr (env: Env, name: string, fallback: string): string {
  const text = (env[name] ?? fallback).trim()
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text)
  if (match === null || Number(match[2]) > 65535) {
    throw new Error(`${name} must look like ${fallback}, got "${text}"`)
  }
  return `/${match[1]!.includes(':') ? 'ip6' : 'ip4'}/${match[1]}/tcp/${match[2]}`
}

function multiaddrs (env: Env, name: string, fallback: string[]): string[] {
  const values = list(env, name, fallback)
  for (const value of values) {
    try {
      multiaddr(value)
    } catch (err) {
      throw new Error(`${name}: malformed multiaddr "${value}": ${(err as Error).message}`)
    }
  }
  return values
}

/**
 * The Kubo binary: KUBO_BINARY, else the one the repo builds (`node scripts/real-peers.ts kubo` puts it in
 * the repo's .tools/go/kubo@<version>/), else `ipfs` on PATH.
 */
export function kuboBinary (env: Env = process.env): string {
  if (env.KUBO_BINARY !== undefined && env.KUBO_BINARY !== '') return env.KUBO_BINARY
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const built = join(dir, '.tools', 'go', `kubo@${KUBO_VERSION}`, 'ipfs')
    if (existsSync(built)) return built
  }
  return 'ipfs'
}

/** Kubo's import profiles (`ipfs config profile apply` lists them); its other profiles change more than imports. */
const IMPORT_PROFILES = ['unixfs-v0-2015', 'unixfs-v1-2025', 'legacy-cid-v0']

function importProfile (name: string): string {
  if (!IMPORT_PROFILES.includes(name)) {
    throw new Error(`IMPORT_PROFILE must be one of ${IMPORT_PROFILES.join(', ')}; got "${name}"`)
  }
  return name
}

export function readServerConfig (env: Env = process.env): ServerConfig {
  const dataDir = env.DATA_DIR ?? env.IPFS_PATH ?? '.data'
  return {
    binary: kuboBinary(env),
    dataDir,
    api: tcpMultiaddr(env, 'API_LISTEN', DEFAULT_API),
    gateway: tcpMultiaddr(env, 'GATEWAY_LISTEN', DEFAULT_GATEWAY),
    swarm: multiaddrs(env, 'LISTEN_ADDRS', DEFAULT_SWARM),
    announce: multiaddrs(env, 'ANNOUNCE_ADDRS', []),
    swarmKeyFile: env.SWARM_KEY_FILE === '' ? undefined : env.SWARM_KEY_FILE,
    importProfile: env.IMPORT_PROFILE === undefined || env.IMPORT_PROFILE === ''
      ? undefined
      : importProfile(env.IMPORT_PROFILE),
    readyFile: join(dataDir, 'ready.json'),
    startTimeoutMs: positiveInteger(env, 'START_TIMEOUT_MS', 60_000)
  }
}

export function readClientConfig (env: Env = process.env): ClientConfig {
  const api = env.KUBO_API ?? `http://${DEFAULT_API}`
  if (!URL.canParse(api) || !/^https?:$/.test(new URL(api).protocol)) {
    throw new Error(`KUBO_API must be an http(s) URL such as http://${DEFAULT_API}, got "${api}"`)
  }
  return { api, timeoutMs: positiveInteger(env, 'TIMEOUT_MS', 60_000) }
}
