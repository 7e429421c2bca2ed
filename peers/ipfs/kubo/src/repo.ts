// The Kubo repo (IPFS_PATH) of a node for a local network only: `ipfs init` with the `test` profile (loopback,
// no bootstrap list, no mDNS), no routing system, telemetry off, TCP and WebSocket listeners, an optional swarm.key.
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface RepoConfig {
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
}

type Log = (line: string) => void
type Section = Record<string, unknown>
type KuboConfig = Section & { Addresses: Section, Routing: Section, Swarm: Section, Plugins?: { Plugins?: Section } }

/** The environment every `ipfs` command of this repo runs in. */
export function kuboEnv (config: RepoConfig): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IPFS_PATH: config.dataDir,
    IPFS_TELEMETRY: 'off',
    // With a swarm.key Kubo refuses to start unless the key is really in use: never a public node by mistake.
    ...(config.swarmKeyFile === undefined ? {} : { LIBP2P_FORCE_PNET: '1' })
  }
}

function runKubo (config: RepoConfig, args: string[]): string {
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
export async function prepareRepo (config: RepoConfig, log: Log): Promise<string> {
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
