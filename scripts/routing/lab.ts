// A private DHT on test hosts (scripts/testing/netns.ts: one network namespace per host, 10.77.0.0/24 on a
// bridge, no route anywhere else): Helia servers and clients from peers/ipfs/routing and real Kubo daemons,
// every node bootstrapped from the first Helia server only. Tests stop them with terminateAllProcesses
// (SIGTERM: Kubo shuts down cleanly) before the hosts go.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { binaryPath, realPeers } from '../real-peers.ts'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, type TestHost } from '../testing/netns.ts'
import { waitForReady, type RoleProcess } from '../testing/processes.ts'
import type { Ready } from '../../peers/ipfs/routing/src/server.ts'

export const exampleDir = join(import.meta.dirname, '..', '..', 'peers', 'ipfs', 'routing')
export const PORT = 4001

export interface HeliaServer { host: TestHost, role: RoleProcess, ready: Ready }

export interface LabKubo {
  host: TestHost
  role: RoleProcess
  peerId: string
  /** `ipfs <args>` against this daemon, inside its namespace: its stdout. */
  ipfs: (args: string[]) => string
  /** The gateway's URL, reachable from the other hosts. */
  gateway: string
}

export const WS_PORT = 4002

/** A Helia DHT server on a host of its own; `websockets` adds a WebSocket listener on WS_PORT, for pages. */
export async function startHeliaServer (
  name: string,
  env: Record<string, string> = {},
  options: { websockets?: boolean } = {}
): Promise<HeliaServer> {
  const host = createHost(name)
  const listen = [
    `/ip4/${host.address}/tcp/${PORT}`,
    ...(options.websockets === true ? [`/ip4/${host.address}/tcp/${WS_PORT}/ws`] : [])
  ]
  const role = host.start(['src/server.ts'], {
    cwd: exampleDir,
    label: `${name}: helia server`,
    env: { LISTEN_ADDRS: listen.join(','), ...env }
  })
  return { host, role, ready: await waitForReady<Ready>(role, 60_000) }
}

/**
 * A Kubo daemon as `ipfs init` makes it, with only what keeps it on this network changed: the bootstrap
 * list (ours, not the public one), the DHT as its only router (`Routing.Type dht`: no delegated routers),
 * no AutoConf, IPNS delegated publishers or DNS-over-HTTPS resolvers (they fetch from the internet), no mDNS
 * or UPnP; API and gateway on the host's address. Its listeners, DHT settings and import defaults are Kubo's.
 */
export async function startKubo (
  name: string,
  bootstrap: string,
  config: Record<string, unknown> = {}
): Promise<LabKubo> {
  const host = createHost(name)
  const repo = await tempDir('liftoff-routing-kubo-')
  const binary = binaryPath(realPeers().kubo)
  const ipfs = (args: string[]): string =>
    host.exec(['env', `IPFS_PATH=${repo}`, 'IPFS_TELEMETRY=off', binary, ...args])
  ipfs(['init', '--empty-repo'])
  const configFile = join(repo, 'config')
  const settings = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, Record<string, unknown>>
  settings.AutoConf = { Enabled: false }
  settings.Bootstrap = [bootstrap] as unknown as Record<string, unknown>
  settings.Routing = { ...settings.Routing, Type: 'dht', DelegatedRouters: [] }
  settings.Ipns = { ...settings.Ipns, DelegatedPublishers: [] }
  settings.DNS = { ...settings.DNS, Resolvers: {} }
  settings.Discovery = { MDNS: { Enabled: false } }
  settings.Swarm = { ...settings.Swarm, DisableNatPortMap: true }
  settings.Addresses = {
    ...settings.Addresses,
    API: '/ip4/127.0.0.1/tcp/5001',
    Gateway: `/ip4/${host.address}/tcp/8080`
  }
  settings.Plugins = { Plugins: { telemetry: { Config: { Mode: 'off' } } } }
  Object.assign(settings, config)
  await writeFile(configFile, JSON.stringify(settings, null, 2))
  const role = host.startCommand([binary, 'daemon', '--migrate=false'], {
    cwd: repo,
    env: { IPFS_PATH: repo, IPFS_TELEMETRY: 'off' },
    label: `${name}: kubo`
  })
  await role.waitForLine(/^Daemon is ready$/, 60_000)
  return { host, role, peerId: ipfs(['id', '-f', '<id>']).trim(), ipfs, gateway: `http://${host.address}:8080` }
}

export interface Dht {
  bootstrap: HeliaServer
  /** The bootstrap address every node is given. */
  BOOTSTRAP: string
  helia: HeliaServer[]
  kubo: LabKubo[]
}

/** Six nodes: the Helia bootstrap server, then Kubo, Kubo, Helia, Kubo, Helia, each knowing only the first. */
export async function startDht (heliaEnv: Record<string, string> = {}): Promise<Dht> {
  const bootstrap = await startHeliaServer('boot', heliaEnv)
  const BOOTSTRAP = bootstrap.ready.multiaddrs[0]!
  const [kubo1, kubo2, helia1, kubo3, helia2] = await Promise.all([
    startKubo('kubo1', BOOTSTRAP),
    startKubo('kubo2', BOOTSTRAP),
    startHeliaServer('helia1', { BOOTSTRAP, ...heliaEnv }),
    startKubo('kubo3', BOOTSTRAP),
    startHeliaServer('helia2', { BOOTSTRAP, ...heliaEnv })
  ])
  return { bootstrap, BOOTSTRAP, helia: [helia1, helia2], kubo: [kubo1, kubo2, kubo3] }
}

/** A Helia client on a host of its own: `node src/client.ts <args>`, knowing only `bootstrap`. */
export function startClient (host: TestHost, args: string[], env: Record<string, string>): RoleProcess {
  return host.start(['src/client.ts', ...args], {
    cwd: exampleDir,
    env,
    label: `${host.name}: client ${args.join(' ')}`
  })
}
