// The server role: a libp2p node that listens on TCP and WebSockets and serves echo, messages, identify
// and ping. Run it with `pnpm start:server`; see config.ts for the environment variables.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { loadOrCreatePeerId, peerIdFromPrivateKey } from './identity.ts'
import { createNode, type Node } from './node.ts'
import { serveEcho } from './echo.ts'
import { serveMessages } from './messages.ts'
import { readServerConfig, type ServerConfig } from './config.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'

export interface RunningServer {
  node: Node
  /** `metrics`: the URL Prometheus scrapes, when METRICS_LISTEN is set. */
  ready: { peerId: string, multiaddrs: string[], metrics?: string }
  stop: () => Promise<void>
}

export async function startServer (config: ServerConfig, log: (line: string) => void = console.log): Promise<RunningServer> {
  const peerId = config.privateKey !== undefined
    ? await peerIdFromPrivateKey(config.privateKey)
    : await loadOrCreatePeerId(config.keyFile)
  await rm(config.readyFile, { force: true })

  const { limits } = config
  const metrics = config.metrics === undefined ? undefined : serverMetrics()
  const node = await createNode({
    peerId,
    listen: config.listen,
    announce: config.announce,
    connectionManager: {
      maxConnections: limits.maxConnections,
      maxIncomingPendingConnections: limits.maxPendingConnections,
      inboundConnectionThreshold: limits.inboundConnectionsPerSecond
    },
    metricsRegistry: metrics?.registry
  })
  await serveEcho(node, {
    maxBytes: config.maxEchoBytes,
    maxStreamsPerConnection: limits.maxStreamsPerConnection,
    onTooLong: (peer, bytes) => log(`reset an echo stream from ${peer}: ${bytes} bytes, over the ${config.maxEchoBytes}-byte limit`),
    onEchoed: (_peer, bytes) => {
      metrics?.echoStreams.inc()
      metrics?.echoedBytes.inc(bytes)
    }
  })
  await serveMessages(node, {
    maxMessageBytes: config.maxMessageBytes,
    maxStreamsPerConnection: limits.maxStreamsPerConnection,
    frameTimeoutMs: config.messageTimeoutMs,
    onRequest: (peer, request, response) => {
      metrics?.messages.inc({ outcome: response.ok ? 'ok' : 'error' })
      log(`message from ${peer}: ${JSON.stringify(request)} → ${JSON.stringify(response)}`)
    },
    onOversized: (peer, error) => log(`reset a stream from ${peer}: frame over the ${config.maxMessageBytes}-byte limit (${error.message})`)
  })
  node.addEventListener('connection:open', ({ detail }) => log(`connection from ${detail.remotePeer} via ${detail.remoteAddr}`))
  node.addEventListener('connection:close', ({ detail }) => log(`connection closed: ${detail.remotePeer}`))

  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    if (metrics !== undefined && config.metrics !== undefined) metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port)
  } catch (err) {
    await node.stop()
    throw new Error(`METRICS_LISTEN ${config.metrics?.host}:${config.metrics?.port}: ${(err as Error).message}`)
  }
  const ready = {
    peerId: peerId.toString(),
    multiaddrs: node.getMultiaddrs().map(address => address.toString()),
    ...(metricsServer === undefined ? {} : { metrics: metricsServer.url })
  }
  await mkdir(dirname(config.readyFile), { recursive: true })
  await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
  return {
    node,
    ready,
    stop: async () => {
      await metricsServer?.close()
      await node.stop()
      await rm(config.readyFile, { force: true })
    }
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
    console.log(`libp2p 1.x server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`protocols: ${server.node.getProtocols().join(', ')}`)
    const { limits } = readServerConfig()
    console.log(`limits: ${limits.maxConnections} connections, ${limits.maxPendingConnections} in handshake at once, ${limits.inboundConnectionsPerSecond} new per second per host, ${limits.maxStreamsPerConnection} streams per protocol per connection`)
  } catch (err) {
    console.error(`server: ${(err as Error).message}`)
    process.exit(1)
  }
}
