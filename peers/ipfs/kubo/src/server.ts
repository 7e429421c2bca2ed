// The server role: a real Kubo daemon (not JavaScript: the Go implementation of IPFS) in a repo of its own
// under DATA_DIR, set up for a local network only — the `test` profile (loopback, no bootstrap list, no mDNS),
// no routing system (it exchanges blocks with the peers it is connected to), telemetry off, TCP and
// WebSocket listeners. Imports are Kubo's own defaults (CIDv0, 256 KiB chunks) unless IMPORT_PROFILE names
// one: `unixfs-v1-2025` gives the same CIDs as Helia's defaults. `pnpm start:server`; see src/run/config.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { create } from 'kubo-rpc-client'
import { runServer } from './run/server.ts'

export interface ServerConfig {
  binary: string
  /** The Kubo repo (IPFS_PATH): config with the node's key, blocks, pins. */
  dataDir: string
  api: string
  gateway: string
  swarm: string[]
  announce: string[]
  /** A `swarm.key` to copy into the repo: the node then joins only that private network. */
  swarmKeyFile: string | undefined
  /** An import profile applied when the repo is created (unixfs-v1-2025 gives Helia's CIDs); none: Kubo's. */
  importProfile: string | undefined
  /** Written when the daemon is ready (the READY JSON), removed when it stops: the compose healthcheck. */
  readyFile: string
  startTimeoutMs: number
}

export interface Ready {
  peerId: string
  /** Swarm addresses with /p2p/<peerId>. */
  multiaddrs: string[]
  /** RPC API base URL (KUBO_API for the client). */
  api: string
  gateway: string
  /** Kubo's own Prometheus metrics, served by its RPC API (Kubo always serves them). */
  metrics: string
  version: string
  privateNetwork: boolean
}

export interface RunningKubo {
  ready: Ready
  daemon: ChildProcess
  stop: () => Promise<void>
}

type Log = (line: string) => void
type Section = Record<string, unknown>
type KuboConfig = Section & { Addresses: Section, Routing: Section, Swarm: Section, Plugins?: { Plugins?: Section } }

/** `/ip4/127.0.0.1/tcp/5001` → `http://127.0.0.1:5001` */
function httpUrl (address: string): string {
  const match = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)/.exec(address)
  if (match === null) throw new Error(`Kubo listens on ${address}, not an IP/TCP address`)
  return `http://${match[1] === '6' ? `[${match[2]}]` : match[2]}:${match[3]}`
}

function kuboEnv (config: ServerConfig): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IPFS_PATH: config.dataDir,
    IPFS_TELEMETRY: 'off',
    // With a swarm.key Kubo refuses to start unless the key is really in use: never a public node by mistake.
    ...(config.swarmKeyFile === undefined ? {} : { LIBP2P_FORCE_PNET: '1' })
  }
}

function runKubo (config: ServerConfig, args: string[]): string {
  const result = spawnSync(config.binary, args, { env: kuboEnv(config), encoding: 'utf8' })
  if (result.error !== undefined) {
    throw new Error((result.error as NodeJS.ErrnoException).code === 'ENOENT'
      ? `no Kubo binary at "${config.binary}": run \`node scripts/real-peers.ts kubo\` in the repo, or set KUBO_BINARY`
      : `${config.binary} ${args.join(' ')}: ${result.error.message}`)
  }
  if (result.status !== 0) {
    const why = (result.stderr || result.stdout).split('\n').map(line => line.trim()).filter(line => line !== '')
    throw new Error(`ipfs ${args.join(' ')} failed: ${why.join(' ')}`)
  }
  return result.stdout.trim()
}

// #region configure
/** Creates the repo on first start, then applies the listen addresses and local-only settings every start. */
async function prepareRepo (config: ServerConfig, log: Log): Promise<string> {
  const version = runKubo(config, ['version', '--number'])
  const configFile = join(config.dataDir, 'config')
  if (!existsSync(configFile)) {
    await mkdir(config.dataDir, { recursive: true })
    const profiles = ['test', ...config.importProfile === undefined ? [] : [config.importProfile]]
    runKubo(config, ['init', '--profile', profiles.join(','), '--empty-repo'])
    log(`created a Kubo ${version} repo in ${config.dataDir}`)
  }
  const settings = JSON.parse(await readFile(configFile, 'utf8')) as KuboConfig
  settings.Addresses.API = [config.api]
  settings.Addresses.Gateway = [config.gateway]
  settings.Addresses.Swarm = config.swarm
  settings.Addresses.Announce = config.announce
  settings.Routing.Type = 'none' // no DHT and no delegated routers: blocks come from connected peers over bitswap
  // Only TCP and WebSockets; QUIC, WebTransport and WebRTC cannot run in a private network anyway.
  settings.Swarm.Transports = { Network: { QUIC: false, WebTransport: false, WebRTCDirect: false } }
  const plugins = { ...settings.Plugins?.Plugins, telemetry: { Config: { Mode: 'off' } } }
  settings.Plugins = { ...settings.Plugins, Plugins: plugins }
  await writeFile(configFile, JSON.stringify(settings, null, 2))

  const swarmKey = join(config.dataDir, 'swarm.key')
  if (config.swarmKeyFile !== undefined) await copyFile(config.swarmKeyFile, swarmKey)
  else await rm(swarmKey, { force: true })
  return version
}
// #endregion

export async function startKubo (config: ServerConfig, log: Log = console.log): Promise<RunningKubo> {
  await rm(config.readyFile, { force: true })
  const version = await prepareRepo(config, log)
  const daemon = spawn(config.binary, ['daemon', '--migrate=false'],
    { env: kuboEnv(config), stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => daemon.once('close', resolve))
  const output: string[] = []
  let api: string | undefined
  let gateway: string | undefined
  const { promise: started, resolve: onStarted, reject: onFailed } = Promise.withResolvers<void>()
  for (const stream of [daemon.stdout, daemon.stderr]) {
    createInterface({ input: stream }).on('line', line => {
      output.push(line)
      log(`kubo: ${line}`)
      api ??= /^RPC API server listening on (\S+)/.exec(line)?.[1]
      gateway ??= /^Gateway server listening on (\S+)/.exec(line)?.[1]
      if (line === 'Daemon is ready') onStarted()
    })
  }
  exited.then(code => {
    const why = output.filter(line => /error|fail/i.test(line)).slice(-1)[0] ?? output.slice(-1)[0] ?? 'no output'
    onFailed(new Error(`the Kubo daemon exited (${code}) before it was ready: ${why}`))
  }, onFailed)
  const timer = setTimeout(() => {
    onFailed(new Error(`the Kubo daemon was not ready within ${config.startTimeoutMs} ms`))
  }, config.startTimeoutMs)

  const stop = async (): Promise<void> => {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGINT')
    await exited
    await rm(config.readyFile, { force: true })
  }
  try {
    await started
    if (api === undefined || gateway === undefined) {
      throw new Error('the Kubo daemon did not say where its API and gateway listen')
    }
    const rpc = create({ url: httpUrl(api) })
    const identity = await rpc.id()
    const ready: Ready = {
      peerId: identity.id.toString(),
      multiaddrs: identity.addresses.map(String),
      api: httpUrl(api),
      gateway: httpUrl(gateway),
      metrics: `${httpUrl(api)}/debug/metrics/prometheus`,
      version,
      privateNetwork: config.swarmKeyFile !== undefined
    }
    await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
    return { ready, daemon, stop }
  } catch (err) {
    await stop()
    throw err
  } finally {
    clearTimeout(timer)
  }
}

// env config, the READY line, signals and a stop deadline: src/run/server.ts
if (import.meta.main) await runServer(startKubo)
