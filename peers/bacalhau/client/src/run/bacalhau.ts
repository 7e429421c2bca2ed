// Real Bacalhau on this machine, for `pnpm dev` and the interop tests: `bacalhau serve --orchestrator
// --compute` on loopback (WASM engine only, analytics and update checks off, no web UI) with a Kubo daemon
// as its IPFS node (ipfs inputs, the ipfs publisher, result downloads) and the local publisher on loopback.
// Both binaries come from BACALHAU_BINARY / KUBO_BINARY or the repo's .tools/go/ (node scripts/real-peers.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import manifest from '../../package.json' with { type: 'json' }

export const BACALHAU_VERSION = manifest.liftoff.bacalhau

type Env = Record<string, string | undefined>
type Log = (line: string) => void

/** The newest `.tools/go/<name>@<version>/<binary>` in this folder or a parent (the repo builds them there). */
function builtBinary (name: string, binary: string, version?: string): string | undefined {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const tools = join(dir, '.tools', 'go')
    if (!existsSync(tools)) continue
    const builds = readdirSync(tools)
      .filter(entry => entry === `${name}@${version ?? ''}` || (version === undefined && entry.startsWith(`${name}@`)))
      .sort()
    const found = builds.map(entry => join(tools, entry, binary)).findLast(path => existsSync(path))
    if (found !== undefined) return found
  }
  return undefined
}

export interface Binaries { bacalhau: string, kubo: string }

/** Both binaries, or a sentence saying which is missing and how to get it. */
export function findBinaries (env: Env = process.env): Binaries | string {
  const bacalhau = env.BACALHAU_BINARY || builtBinary('bacalhau', 'bacalhau', BACALHAU_VERSION)
  const kubo = env.KUBO_BINARY || builtBinary('kubo', 'ipfs')
  const build = 'or run `node scripts/real-peers.ts` in the repo'
  if (bacalhau === undefined) return `no Bacalhau ${BACALHAU_VERSION} binary (set BACALHAU_BINARY, ${build})`
  if (kubo === undefined) return `no Kubo binary for Bacalhau's IPFS node (set KUBO_BINARY, ${build})`
  return { bacalhau, kubo }
}

/** The first port of the kernel's ephemeral range (Linux; 32768 elsewhere). */
function ephemeralPortsStart (): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768
  } catch {
    return 32768
  }
}

/**
 * A free TCP port on 127.0.0.1 below the ephemeral range: the daemons bind theirs seconds after it is chosen,
 * and a port from the ephemeral range could meanwhile become the local port of any outgoing connection.
 */
const handedOut = new Set<number>()

async function freePort (): Promise<number> {
  const [low, high] = [10_000, ephemeralPortsStart() - 1]
  for (let tries = 0; tries < 100; tries++) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (handedOut.has(port)) continue
    const server = createServer()
    const listening = await new Promise<boolean>(resolve => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (!listening) continue
    server.close()
    await once(server, 'close')
    handedOut.add(port)
    return port
  }
  throw new Error(`no free port between ${low} and ${high}`)
}

interface Daemon { child: ChildProcess, output: string[], exited: Promise<number | null> }

function startDaemon (label: string, binary: string, args: string[], env: Env, log: Log): Daemon {
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', line => {
      output.push(line)
      if (output.length > 200) output.shift()
      log(`${label}: ${line}`)
    })
  }
  return { child, output, exited: new Promise(resolve => child.once('close', resolve)) }
}

async function stopDaemon (daemon: Daemon, signal: NodeJS.Signals): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return
  daemon.child.kill(signal)
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 10_000)
  await daemon.exited
  clearTimeout(timer)
}

/** Resolves when `ready()` holds, polling; rejects when the daemon exits first or time runs out. */
async function until (what: string, daemon: Daemon, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs
  let exited = false
  daemon.exited.then(() => { exited = true }, () => {})
  while (!(await ready().catch(() => false))) {
    if (exited) throw new Error(`${what} exited before it was ready: ${daemon.output.slice(-3).join(' | ')}`)
    if (Date.now() > giveUpAt) throw new Error(`${what} was not ready within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

export interface RealBacalhau {
  /** Bacalhau's API base URL (BACALHAU_API). */
  api: string
  /** Kubo's swarm address: the demo's IPFS node joins it so Kubo can fetch the input (IPFS_PEER). */
  ipfsPeer: string
  kuboApi: string
  stop: () => Promise<void>
}

export interface RealBacalhauOptions {
  /** Run Docker jobs on the Docker engine that runs here (DOCKER_HOST or its socket); off by default. */
  docker?: boolean
}

export async function startRealBacalhau (
  binaries: Binaries, dataDir: string, log: Log = () => {}, options: RealBacalhauOptions = {}
): Promise<RealBacalhau> {
  const [kuboApiPort, kuboSwarmPort, apiPort, natsPort, publisherPort] =
    [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()]
  const ipfsPath = join(dataDir, 'kubo')
  const kuboEnv = { IPFS_PATH: ipfsPath, IPFS_TELEMETRY: 'off' }
  if (!existsSync(join(ipfsPath, 'config'))) {
    await mkdir(ipfsPath, { recursive: true })
    const init = spawnSync(binaries.kubo, ['init', '--profile', 'test', '--empty-repo'],
      { env: { ...process.env, ...kuboEnv }, encoding: 'utf8' })
    if (init.status !== 0) throw new Error(`ipfs init failed: ${init.error?.message ?? init.stderr.trim()}`)
  }
  const configFile = join(ipfsPath, 'config')
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, Record<string, unknown>>
  config.Addresses = {
    ...config.Addresses,
    API: [`/ip4/127.0.0.1/tcp/${kuboApiPort}`],
    Gateway: [],
    Swarm: [`/ip4/127.0.0.1/tcp/${kuboSwarmPort}`]
  }
  config.Routing = { ...config.Routing, Type: 'none' }
  config.Swarm = { ...config.Swarm, Transports: { Network: { QUIC: false, WebTransport: false, WebRTCDirect: false } } }
  await writeFile(configFile, JSON.stringify(config, null, 2))

  const kubo = startDaemon('kubo', binaries.kubo, ['daemon', '--migrate=false'], kuboEnv, log)
  const kuboApi = `http://127.0.0.1:${kuboApiPort}`
  let bacalhau: Daemon | undefined
  const stop = async (): Promise<void> => {
    if (bacalhau !== undefined) await stopDaemon(bacalhau, 'SIGTERM')
    await stopDaemon(kubo, 'SIGINT')
  }
  try {
    await until('Kubo', kubo, 60_000, async () => kubo.output.includes('Daemon is ready'))
    const ipfsEndpoint = `/ip4/127.0.0.1/tcp/${kuboApiPort}`
    bacalhau = startDaemon('bacalhau', binaries.bacalhau, [
      'serve', '--orchestrator', '--compute', '--data-dir', join(dataDir, 'bacalhau'), '--name', 'liftoff-local',
      '-c', 'API.Host=127.0.0.1', '-c', `API.Port=${apiPort}`,
      '-c', 'Orchestrator.Host=127.0.0.1', '-c', `Orchestrator.Port=${natsPort}`,
      '-c', `Compute.Orchestrators=nats://127.0.0.1:${natsPort}`,
      ...(options.docker === true ? [] : ['-c', 'Engines.Disabled=docker']),
      '-c', 'DisableAnalytics=true', '-c', 'UpdateConfig.Interval=0', '-c', 'WebUI.Enabled=false',
      '-c', `InputSources.Types.IPFS.Endpoint=${ipfsEndpoint}`,
      '-c', `Publishers.Types.IPFS.Endpoint=${ipfsEndpoint}`,
      '-c', `ResultDownloaders.Types.IPFS.Endpoint=${ipfsEndpoint}`,
      '-c', 'Publishers.Types.Local.Address=127.0.0.1', '-c', `Publishers.Types.Local.Port=${publisherPort}`
    ], { BACALHAU_DIR: join(dataDir, 'bacalhau') }, log)
    const api = `http://127.0.0.1:${apiPort}`
    // ready once the compute side of this node has joined its orchestrator
    await until('Bacalhau', bacalhau, 60_000, async () => {
      const response = await fetch(`${api}/api/v1/orchestrator/nodes`)
      type NodeList = Array<{ Connection: string, Info: { NodeType: string } }> | null
      const { Nodes } = await response.json() as { Nodes: NodeList }
      return (Nodes ?? []).some(node => node.Connection === 'CONNECTED' && node.Info.NodeType === 'Compute')
    })
    const peerId = (config.Identity as { PeerID: string }).PeerID
    return { api, ipfsPeer: `/ip4/127.0.0.1/tcp/${kuboSwarmPort}/p2p/${peerId}`, kuboApi, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
