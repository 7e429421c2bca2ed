// The harness around the server's story (src/server.ts): the configuration from the environment, the key file,
// Prometheus at METRICS_LISTEN, the ready file and READY line, connection limits, and SIGINT/SIGTERM with a
// stop deadline.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { decodePrivateKey, loadOrCreatePrivateKey } from '../identity.ts'
import type { Node } from '../node.ts'
import type { ServerOptions } from '../server.ts'
import { readServerConfig, type ServerConfig } from './config.ts'
import { oneLine } from './env.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'

export type StartServer = (options: ServerOptions) => Promise<Node>

export interface RunningServer {
  node: Node
  /** `metrics`: the URL Prometheus scrapes, when METRICS_LISTEN is set. */
  ready: { peerId: string, multiaddrs: string[], metrics?: string }
  stop: () => Promise<void>
}

const STOP_DEADLINE_MS = 5000

/** Starts the server as configured: the node, its metrics server and its ready file. */
export async function startConfiguredServer (
  startServer: StartServer, config: ServerConfig, log: (line: string) => void = console.log
): Promise<RunningServer> {
  const privateKey = config.privateKey !== undefined
    ? decodePrivateKey(config.privateKey)
    : await loadOrCreatePrivateKey(config.keyFile)
  await rm(config.readyFile, { force: true })

  const { limits } = config
  const metrics = config.metrics === undefined ? undefined : serverMetrics()
  const node = await startServer({
    privateKey,
    listen: config.listen,
    announce: config.announce,
    swarmKey: config.swarmKey,
    relay: config.relay,
    noise: config.noise,
    yamux: config.yamux,
    connectionManager: {
      maxConnections: limits.maxConnections,
      maxIncomingPendingConnections: limits.maxPendingConnections,
      inboundConnectionThreshold: limits.inboundConnectionsPerSecond
    },
    metricsRegistry: metrics?.registry,
    maxEchoBytes: config.maxEchoBytes,
    maxMessageBytes: config.maxMessageBytes,
    messageTimeoutMs: config.messageTimeoutMs,
    maxStreamsPerConnection: limits.maxStreamsPerConnection,
    log,
    onEchoed: bytes => {
      metrics?.echoStreams.inc()
      metrics?.echoedBytes.inc(bytes)
    },
    onMessage: ok => metrics?.messages.inc({ outcome: ok ? 'ok' : 'error' })
  })

  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    if (metrics !== undefined && config.metrics !== undefined) {
      metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port)
    }
  } catch (err) {
    await node.stop()
    throw new Error(`METRICS_LISTEN ${config.metrics?.host}:${config.metrics?.port}: ${(err as Error).message}`)
  }
  const ready = {
    peerId: node.peerId.toString(),
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

/** `node src/server.ts`: starts the server, prints READY, stops on SIGINT/SIGTERM within a deadline. */
export async function runServer (startServer: StartServer): Promise<void> {
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
    const config = readServerConfig()
    server = await startConfiguredServer(startServer, config)
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`libp2p 3.x server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`protocols: ${server.node.getProtocols().join(', ')}`)
    const { limits } = config
    console.log(`limits: ${limits.maxConnections} connections, ${limits.maxPendingConnections} in handshake at once, ` +
      `${limits.inboundConnectionsPerSecond} new per second per host, ` +
      `${limits.maxStreamsPerConnection} streams per protocol per connection`)
    if (config.noise !== undefined) console.log('tuned (TUNED=1): Noise\'s key prepared once, Yamux for bulk transfer')
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}
