// The server's harness: its environment (src/run/config.ts), its peer key file, Prometheus (METRICS_LISTEN),
// ready.json and the READY line, and signals with a stop deadline. The server itself is src/server.ts.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { readServerConfig, type ServerConfig } from './config.ts'
import { decodePrivateKey, loadOrCreatePrivateKey } from './identity.ts'
import { serveMetrics, serverMetrics } from '@ipfs-liftoff/orbitdb-hosting/metrics'
import { tuning } from './tuning.ts'
import type { ServerOptions, StartedServer } from '../server.ts'

export interface Ready {
  peerId: string
  multiaddrs: string[]
  /** The documents database's address: give it to clients as DB_ADDRESS. */
  address: string
  /** The server's OrbitDB identity ID. */
  identity: string
  /** The URL Prometheus scrapes, when METRICS_LISTEN is set. */
  metrics?: string
}

export type RunningServer = StartedServer & { ready: Ready }

type Start = (options: ServerOptions) => Promise<StartedServer>

/** Starts the server as `config` says, with metrics when asked, and writes ready.json once it is ready. */
export async function startConfigured (
  start: Start, config: ServerConfig, log: (line: string) => void = console.log
): Promise<RunningServer> {
  const privateKey = config.privateKey !== undefined
    ? decodePrivateKey(config.privateKey)
    : await loadOrCreatePrivateKey(config.keyFile)
  await rm(config.readyFile, { force: true })
  let databases = new Map<string, unknown>() // the server's, once started: read at each scrape
  const metrics = config.metrics === undefined ? undefined : serverMetrics({ get size () { return databases.size } })
  const { bitswap, tune } = tuning(config.tuned)
  const connectionManager = {
    maxConnections: config.limits.maxConnections,
    maxIncomingPendingConnections: config.limits.maxPendingConnections,
    inboundConnectionThreshold: config.limits.inboundConnectionsPerSecond
  }
  const server = await start({
    node: {
      dataDir: config.dataDir,
      privateKey,
      listen: config.listen,
      announce: config.announce,
      connectionManager,
      metricsRegistry: metrics?.registry,
      bitswap
    },
    identityKey: config.identityKey,
    dbName: config.dbName,
    writers: config.writers,
    maxWaitMs: config.maxWaitMs,
    hosting: config.hosting,
    tune,
    log,
    onOpen: db => db.events.on('update', () => metrics?.updates.inc()),
    onAnswer: (_peer, request, response, refusal) => {
      metrics?.hostRequests.inc({ op: request?.op ?? 'unread', outcome: response.ok ? 'ok' : 'error' })
      if (refusal !== undefined) metrics?.hostRefusals.inc({ reason: refusal })
      // only databases kept open get a series: at most MAX_HOSTED_DATABASES and the server's own
      if (request?.op === 'await' && response.ok && databases.has(response.address)) {
        metrics?.confirmedEntries.set({ database: response.address }, response.entries)
      }
    }
  })
  databases = server.databases
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  if (metrics !== undefined && config.metrics !== undefined) {
    const { host, port } = config.metrics
    metricsServer = await serveMetrics(metrics.registry, host, port).catch(async (err: Error) => {
      await server.stop()
      throw new Error(`METRICS_LISTEN ${host}:${port}: ${err.message}`)
    })
  }
  const ready: Ready = {
    peerId: server.helia.libp2p.peerId.toString(),
    multiaddrs: server.helia.libp2p.getMultiaddrs().map(address => address.toString()),
    address: server.db.address,
    identity: server.orbitdb.identity.id,
    ...(metricsServer === undefined ? {} : { metrics: metricsServer.url })
  }
  await mkdir(dirname(config.readyFile), { recursive: true })
  await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
  return {
    ...server,
    ready,
    stop: async () => {
      await metricsServer?.close()
      await server.stop()
      await rm(config.readyFile, { force: true })
    }
  }
}

const STOP_DEADLINE_MS = 10_000

/** `node src/server.ts`: starts it from the environment, prints READY {json}, stops on SIGINT/SIGTERM. */
export async function runServer (start: Start): Promise<void> {
  let server: RunningServer | undefined
  // installed before start-up so a signal at any moment gets a clean exit, not Node's default
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
    server = await startConfigured(start, readServerConfig())
    const { ready, db, databases } = server
    const entries = (await db.all()).length
    console.log(`READY ${JSON.stringify(ready)}`)
    console.log(`OrbitDB server ${ready.peerId} (identity ${ready.identity}) is listening on:`)
    for (const address of ready.multiaddrs) console.log(`  ${address}`)
    console.log(`documents database ${ready.address}: ${entries} documents; writers ${db.access.write.join(', ')}`)
    console.log(`hosting ${databases.size - 1} more database(s)`)
  } catch (err) {
    console.error(`server: ${(err as Error).message}`)
    process.exit(1)
  }
}
