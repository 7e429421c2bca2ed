// The server role: a real Kubo daemon (not JavaScript: the Go implementation of IPFS) in a repo of its own
// under DATA_DIR, set up for a local network only (src/repo.ts) and run as a child process (src/daemon.ts).
// Imports are Kubo's own defaults (CIDv0, 256 KiB chunks) unless IMPORT_PROFILE names one: `unixfs-v1-2025`
// gives the same CIDs as Helia's defaults. `pnpm start:server`; see src/run/config.ts.
import type { ChildProcess } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { create } from 'kubo-rpc-client'
import { startDaemon } from './daemon.ts'
import { prepareRepo, type RepoConfig } from './repo.ts'
import { runServer } from './run/server.ts'

export interface ServerConfig extends RepoConfig {
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

// #region start
export async function startKubo (config: ServerConfig, log: Log = console.log): Promise<RunningKubo> {
  await rm(config.readyFile, { force: true })
  const version = await prepareRepo(config, log)
  const daemon = await startDaemon(config, config.startTimeoutMs, log)
  const stop = async (): Promise<void> => {
    await daemon.stop()
    await rm(config.readyFile, { force: true })
  }
  try {
    const identity = await create({ url: daemon.api }).id()
    const ready: Ready = {
      peerId: identity.id.toString(),
      multiaddrs: identity.addresses.map(String),
      api: daemon.api,
      gateway: daemon.gateway,
      metrics: `${daemon.api}/debug/metrics/prometheus`,
      version,
      privateNetwork: config.swarmKeyFile !== undefined
    }
    await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
    return { ready, daemon: daemon.process, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
// #endregion

// env config, the READY line, signals and a stop deadline: src/run/server.ts
if (import.meta.main) await runServer(startKubo)
