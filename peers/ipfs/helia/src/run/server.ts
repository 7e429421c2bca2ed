// The server's harness: the environment (run/config.ts), the identity file, Prometheus metrics, the ready
// file and READY line that tests, compose and the chart wait for, and signals with a stop deadline.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Node } from '../node.ts'
import type { startServer } from '../server.ts'
import { readServerConfig, type ServerConfig } from './config.ts'
import { oneLine } from './env.ts'
import { decodePrivateKey, loadOrCreatePrivateKey } from './identity.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'

export interface Ready {
  peerId: string
  multiaddrs: string[]
  gateway: string
  /** Root CID of SERVE_PATH, when one was given. */
  cid?: string
  /** The IPNS name (/ipns/k51…) the server publishes SERVE_PATH's root under, when one was given. */
  name?: string
  /** The URL Prometheus scrapes, when METRICS_LISTEN is set. */
  metrics?: string
}

export interface RunningServer {
  helia: Node
  ready: Ready
  stop: () => Promise<void>
}

const STOP_DEADLINE_MS = 5000

function describePins ({ pins }: ServerConfig): string {
  const { allowPeers, maxBytes, maxBlocks, maxConcurrentPerPeer } = pins
  if (allowPeers.size === 0) return 'pinning: open to nobody (PIN_ALLOW_PEERS is empty)'
  return `pinning: open to ${allowPeers.size} peer${allowPeers.size === 1 ? '' : 's'} (PIN_ALLOW_PEERS), ` +
    `up to ${maxBytes} bytes and ${maxBlocks} blocks a request, ${maxConcurrentPerPeer} at once each`
}

/** Starts the model's server as `config` says, with metrics and the ready file around it. */
export async function startConfiguredServer (
  start: typeof startServer, config: ServerConfig, log: (line: string) => void = console.log
): Promise<RunningServer> {
  const privateKey = config.privateKey !== undefined
    ? decodePrivateKey(config.privateKey)
    : await loadOrCreatePrivateKey(config.keyFile)
  await rm(config.readyFile, { force: true })
  const metrics = config.metrics === undefined ? undefined : serverMetrics()
  log(describePins(config))
  const { limits } = config
  const server = await start({
    node: {
      privateKey,
      dataDir: config.dataDir,
      listen: config.listen,
      announce: config.announce,
      connectionManager: limits,
      swarmKey: config.swarmKey,
      metricsRegistry: metrics?.registry,
      bitswap: config.bitswap
    },
    servePath: config.servePath,
    gateway: config.gateway,
    pins: config.pins,
    onPin: response => {
      metrics?.pinRequests.inc({ outcome: response.ok ? 'ok' : response.code })
      if (response.ok) metrics?.pinnedBlocks.inc(response.blocks)
    }
  }, log)
  try {
    const metricsServer = metrics === undefined || config.metrics === undefined
      ? undefined
      : await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port)
    const ready: Ready = {
      peerId: server.helia.libp2p.peerId.toString(),
      multiaddrs: server.helia.libp2p.getMultiaddrs().map(address => address.toString()),
      gateway: server.gateway.url,
      ...(metricsServer === undefined ? {} : { metrics: metricsServer.url }),
      ...(server.cid === undefined ? {} : { cid: server.cid }),
      ...(server.name === undefined ? {} : { name: server.name })
    }
    await mkdir(dirname(config.readyFile), { recursive: true })
    await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
    const stop = async (): Promise<void> => {
      await metricsServer?.close()
      await server.stop()
      await rm(config.readyFile, { force: true })
    }
    return { helia: server.helia, ready, stop }
  } catch (err) {
    await server.stop()
    throw err
  }
}

/** `node src/server.ts`: signal handlers first (a signal at any moment exits cleanly), then the server. */
export async function runServer (start: typeof startServer): Promise<void> {
  let server: RunningServer | undefined
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(server?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: Error) => {
      console.error(`server: stop failed: ${err.message}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    server = await startConfiguredServer(start, readServerConfig())
    const { ready } = server
    console.log(`READY ${JSON.stringify(ready)}`)
    console.log(`Helia server ${ready.peerId} is listening on:`)
    for (const address of ready.multiaddrs) console.log(`  ${address}`)
    console.log(`trustless gateway: ${ready.gateway}/ipfs/<cid> ` +
      '(Accept: application/vnd.ipld.raw or application/vnd.ipld.car)')
    if (ready.cid !== undefined) console.log(`serving ${ready.cid}: pnpm start:client get ${ready.cid}`)
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}
