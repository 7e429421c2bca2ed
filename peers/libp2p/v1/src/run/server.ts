// The server's harness: configuration from the environment (config.ts), a stable identity, Prometheus
// metrics, the ready file and the READY line the tests and the dev runner wait for, and a clean stop on
// SIGINT/SIGTERM within a deadline. The server itself is src/server.ts's startServer.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { startServer } from '../server.ts'
import type { Node } from '../node.ts'
import { loadOrCreatePeerId, peerIdFromPrivateKey } from '../identity.ts'
import { readServerConfig, type ServerConfig } from './config.ts'
import { oneLine } from './env.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'

export interface RunningServer {
  node: Node
  /** `metrics`: the URL Prometheus scrapes, when METRICS_LISTEN is set. */
  ready: { peerId: string, multiaddrs: string[], metrics?: string }
  stop: () => Promise<void>
}

/** Starts the server as `config` says; writes the ready file once it listens. */
export async function startConfigured (
  start: typeof startServer, config: ServerConfig, log: (line: string) => void = console.log
): Promise<RunningServer> {
  const peerId = config.privateKey !== undefined
    ? await peerIdFromPrivateKey(config.privateKey)
    : await loadOrCreatePeerId(config.keyFile)
  await rm(config.readyFile, { force: true })

  const { limits } = config
  const metrics = config.metrics === undefined ? undefined : serverMetrics()
  const node = await start({
    peerId,
    listen: config.listen,
    announce: config.announce,
    yamux: config.yamux,
    connectionManager: {
      maxConnections: limits.maxConnections,
      maxIncomingPendingConnections: limits.maxPendingConnections,
      inboundConnectionThreshold: limits.inboundConnectionsPerSecond
    },
    metrics: metrics?.libp2p,
    maxMessageBytes: config.maxMessageBytes,
    messageTimeoutMs: config.messageTimeoutMs,
    maxEchoBytes: config.maxEchoBytes,
    maxStreamsPerConnection: limits.maxStreamsPerConnection,
    onEchoed: bytes => {
      metrics?.echoStreams.inc()
      metrics?.echoedBytes.inc(bytes)
    },
    onAnswered: response => metrics?.messages.inc({ outcome: response.ok ? 'ok' : 'error' })
  }, log)

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

/** `node src/server.ts`: starts from the environment, prints READY {json}, stops on SIGINT/SIGTERM. */
export async function serverMain (start: typeof startServer): Promise<void> {
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
    }, (err: unknown) => {
      console.error(`server: stop failed: ${oneLine(err)}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    const config = readServerConfig()
    server = await startConfigured(start, config)
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`libp2p 1.x server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`protocols: ${server.node.getProtocols().join(', ')}`)
    const { limits } = config
    console.log(`limits: ${limits.maxConnections} connections, ${limits.maxPendingConnections} in handshake at once, ` +
      `${limits.inboundConnectionsPerSecond} new per second per host, ` +
      `${limits.maxStreamsPerConnection} streams per protocol per connection`)
    console.log(`yamux: ${config.yamux === undefined ? 'library defaults' : 'tuned (TUNED=1, src/tuned/yamux.ts)'}`)
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}
