// The server role: a Helia node with blocks, pins and identity on disk. It serves blocks over bitswap,
// pins what clients ask it to (src/pinning.ts), and answers trustless-gateway HTTP requests
// (src/gateway.ts). Run it with `pnpm start:server`; see src/config.ts for the environment variables.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { oneLine, readServerConfig, type ServerConfig } from './config.ts'
import { importPath } from './files.ts'
import { startGateway } from './gateway.ts'
import { decodePrivateKey, loadOrCreatePrivateKey } from './identity.ts'
import { publishName } from './names.ts'
import { createNode, type Node } from './node.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'
import { servePins } from './pinning.ts'

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

export async function startServer (config: ServerConfig, log: (line: string) => void = console.log): Promise<RunningServer> {
  const privateKey = config.privateKey !== undefined ? decodePrivateKey(config.privateKey) : await loadOrCreatePrivateKey(config.keyFile)
  await rm(config.readyFile, { force: true })

  const metrics = config.metrics === undefined ? undefined : serverMetrics()
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  const helia = await createNode({ metricsRegistry: metrics?.registry, dataDir: config.dataDir, privateKey, listen: config.listen, announce: config.announce, connectionManager: { maxConnections: config.limits.maxConnections, maxIncomingPendingConnections: config.limits.maxPendingConnections, inboundConnectionThreshold: config.limits.inboundConnectionsPerSecond }, swarmKey: config.swarmKey })
  try {
    await servePins(helia, {
      limits: config.pins,
      onPin: (peer, response) => {
        metrics?.pinRequests.inc({ outcome: response.ok ? 'ok' : response.code })
        if (response.ok) metrics?.pinnedBlocks.inc(response.blocks)
        log(`pin request from ${peer}: ${JSON.stringify(response)}`)
      }
    })
    log(config.pins.allowPeers.size === 0 ? 'pinning: open to nobody (PIN_ALLOW_PEERS is empty)' : `pinning: open to ${config.pins.allowPeers.size} peer${config.pins.allowPeers.size === 1 ? '' : 's'} (PIN_ALLOW_PEERS), up to ${config.pins.maxBytes} bytes and ${config.pins.maxBlocks} blocks a request, ${config.pins.maxConcurrentPerPeer} at once each`)
    helia.libp2p.addEventListener('connection:open', ({ detail }) => log(`connection from ${detail.remotePeer} via ${detail.remoteAddr}`))

    let cid: string | undefined
    let name: string | undefined
    if (config.servePath !== undefined) {
      const started = performance.now()
      const root = await importPath(unixfs(helia), config.servePath)
      if (!(await helia.pins.isPinned(root))) for await (const _block of helia.pins.add(root)) { /* pinned block by block */ }
      cid = root.toString()
      log(`imported and pinned ${config.servePath} as ${cid} in ${Math.round(performance.now() - started)} ms`)
      const published = await publishName(helia, privateKey, root)
      name = `/ipns/${published.name}`
      log(`published ${name} → /ipfs/${cid} (sequence ${published.sequence})`)
    }
    if (metrics !== undefined && config.metrics !== undefined) metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port)
    const gateway = await startGateway(helia, config.gateway.host, config.gateway.port)
    const ready: Ready = {
      peerId: helia.libp2p.peerId.toString(),
      multiaddrs: helia.libp2p.getMultiaddrs().map(address => address.toString()),
      gateway: gateway.url,
      ...(metricsServer === undefined ? {} : { metrics: metricsServer.url }),
      ...(cid === undefined ? {} : { cid }),
      ...(name === undefined ? {} : { name })
    }
    await mkdir(dirname(config.readyFile), { recursive: true })
    await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
    return {
      helia,
      ready,
      stop: async () => {
        await metricsServer?.close()
        await gateway.close()
        await helia.stop()
        await rm(config.readyFile, { force: true })
      }
    }
  } catch (err) {
    await metricsServer?.close()
    await helia.stop()
    throw err
  }
}

const STOP_DEADLINE_MS = 5000

if (import.meta.main) {
  let server: RunningServer | undefined
  // Installed before start-up so a signal at any moment gets a clean exit, not Node's default.
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
    server = await startServer(readServerConfig())
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`Helia server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`trustless gateway: ${server.ready.gateway}/ipfs/<cid> (Accept: application/vnd.ipld.raw or application/vnd.ipld.car)`)
    if (server.ready.cid !== undefined) console.log(`serving ${server.ready.cid}: pnpm start:client get ${server.ready.cid}`)
  } catch (err) {
    console.error(`server: ${oneLine((err as Error).message)}`)
    process.exit(1)
  }
}
