// Kubo (the binary `build:peers` makes) on a lab host, set up as a user behind a home router would set it
// up for a private network: `ipfs init --profile test` (no bootstrap list, no mDNS, no AutoConf or delegated
// routers), no DHT, listening on every IPv6 address with TCP and QUIC, the relay client on with our relay as
// its static relay, hole punching on with it (Kubo's default), UPnP off (the lab's routers offer none).
import { join } from 'node:path'
import { readFile, writeFile } from 'node:fs/promises'
import { binaryPath, realPeers } from '../real-peers.ts'
import { tempDir } from '../testing/cleanup.ts'
import type { RoleProcess } from '../testing/processes.ts'
import type { LabHost } from '../testing/nat-lab.ts'
import { PORT } from './peers.ts'

export const kuboBinary = (): string => binaryPath(realPeers().kubo)

export interface LabKubo {
  role: RoleProcess
  host: LabHost
  /** `ipfs <args>` against this daemon, in its namespace; its stdout. */
  cli: (args: string[]) => string
  peerId: string
}

export interface LabKuboOptions {
  /** Static relays (multiaddrs with /p2p/) for the relay client; none: the relay client stays off. */
  relays?: string[]
  /** Serve as a circuit relay v2 for others (Kubo's relay service). */
  relayService?: boolean
  /**
   * Internal.Libp2pForceReachability. Kubo learns its reachability from AutoNAT answers of peers it is
   * connected to; it starts its relay client only once it is private, and its relay service only once it is
   * public. A peer alone behind a router in an empty network never learns either, so it is told.
   */
  reachability?: 'private' | 'public'
  /** The port Kubo listens on, TCP and QUIC (default PORT). */
  port?: number
  /** Addresses.AppendAnnounce: e.g. the router's public address with the port Kubo listens on. */
  appendAnnounce?: string[]
}

export async function startLabKubo (host: LabHost, options: LabKuboOptions = {}): Promise<LabKubo> {
  const repo = await tempDir('liftoff-nat-kubo-')
  const env = { IPFS_PATH: repo }
  const ipfs = (args: string[]): string => host.exec(['env', `IPFS_PATH=${repo}`, kuboBinary(), ...args])
  ipfs(['init', '--profile', 'test', '--empty-repo'])
  const configFile = join(repo, 'config')
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, Record<string, unknown>>
  const port = options.port ?? PORT
  config.Addresses!.Swarm = [`/ip6/::/tcp/${port}`, `/ip6/::/udp/${port}/quic-v1`]
  config.Addresses!.AppendAnnounce = options.appendAnnounce ?? []
  config.Routing!.Type = 'none'
  config.Swarm!.RelayClient =
    options.relays === undefined ? { Enabled: false } : { Enabled: true, StaticRelays: options.relays }
  config.Swarm!.RelayService = { Enabled: options.relayService === true }
  // Kubo punches holes only as a relay client (it refuses to start with one and not the other)
  config.Swarm!.EnableHolePunching = options.relays !== undefined
  if (options.reachability !== undefined) {
    config.Internal = { ...config.Internal, Libp2pForceReachability: options.reachability }
  }
  await writeFile(configFile, JSON.stringify(config, null, 2))
  const role = host.start([kuboBinary(), 'daemon', '--migrate=false'], { cwd: repo, env, label: `${host.name}: kubo` })
  await role.waitForLine(/^Daemon is ready$/, 60_000)
  const peerId = ipfs(['id', '-f', '<id>']).trim()
  return { role, host, cli: ipfs, peerId }
}

/** Polls `ipfs <args>` (Kubo announces no event for these) until `accept` finds what it waits for in the output. */
export async function kuboUntil<T> (
  kubo: LabKubo,
  args: string[],
  accept: (output: string) => T | undefined,
  timeoutMs: number,
  what: string
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let output = ''
  while (Date.now() < deadline) {
    output = kubo.cli(args)
    const found = accept(output)
    if (found !== undefined) return found
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms; \`ipfs ${args.join(' ')}\` last said: ${output.trim().slice(0, 500)}`
  )
}
