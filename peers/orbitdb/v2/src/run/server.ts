// The server's harness: the environment (src/run/config.ts), the peer ID kept in KEY_FILE or given as
// PRIVATE_KEY, Prometheus metrics (METRICS_LISTEN), the ready file and the READY line tests and compose wait
// for, and a clean stop on SIGINT/SIGTERM within STOP_DEADLINE_MS.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { readServerConfig, type ServerConfig } from './config.ts'
import { oneLine } from './env.ts'
import { loadOrCreatePeerId, peerIdFromPrivateKey } from './identity.ts'
import { serveMetrics, serverMetrics } from '@ipfs-liftoff/orbitdb-hosting/metrics'
import { tuning } from './tuning.ts'
import type { Server, ServerOptions } from '../server.ts'

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

export interface RunningServer extends Server {
  ready: Ready
}

type StartServer = (options: ServerOptions, log: (line: string) => void) => Promise<Server>

/** Starts the server as configured, with its metrics and ready file; `stop` undoes all of it. */
export async function startConfigured (
  start: StartServer, config: ServerConfig, log: (line: string) => void = console.log
): Promise<RunningServer> {
  const peerId = config.privateKey !== undefined
    ? await peerIdFromPrivateKey(config.privateKey)
    : await loadOrCreatePeerId(config.keyFile)
  await rm(config.readyFile, { force: true })
  const running: { server?: Server } = {} // the gauges read it once the server runs
  const tuned = tuning(config.tuned)
  const metrics = config.metrics === undefined
    ? undefined
    : serverMetrics({ get size () { return running.server?.databases.size ?? 0 } })
  const started = await start({
    dataDir: config.dataDir,
    dbName: config.dbName,
    writers: config.writers,
    identityKey: config.identityKey,
    maxWaitMs: config.maxWaitMs,
    hosting: config.hosting,
    tune: tuned.tune,
    node: {
      bitswap: tuned.bitswap,
      peerId,
      listen: config.listen,
      announce: config.announce,
      connectionManager: {
        maxConnections: config.limits.maxConnections,
        maxIncomingPendingConnections: config.limits.maxPendingConnections,
        inboundConnectionThreshold: config.limits.inboundConnectionsPerSecond
      },
      // its own registry, not prom-client's global one, and leave the server's counters in it alone
      metrics: metrics === undefined
        ? undefined
        : prometheusMetrics({ registry: metrics.registry, preserveExistingMetrics: true })
    },
    onUpdate: () => metrics?.updates.inc(),
    onAnswer: (_peer, request, response, refusal) => {
      metrics?.hostRequests.inc({ op: request?.op ?? 'unread', outcome: response.ok ? 'ok' : 'error' })
      if (refusal !== undefined) metrics?.hostRefusals.inc({ reason: refusal })
      // only databases kept open get a series: at most MAX_HOSTED_DATABASES and the server's own
      if (request?.op === 'await' && response.ok && running.server?.databases.has(response.address) === true) {
        metrics?.confirmedEntries.set({ database: response.address }, response.entries)
      }
    }
  }, log)
  running.server = started
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  if (metrics !== undefined && config.metrics !== undefined) {
    const { host, port } = config.metrics
    metricsServer = await serveMetrics(metrics.registry, host, port).catch(async (err: Error) => {
      await started.stop()
      throw new Error(`METRICS_LISTEN ${host}:${port}: ${err.message}`)
    })
  }
  const ready: Ready = {
    peerId: peerId.toString(),
    multiaddrs: started.helia.libp2p.getMultiaddrs().map(address => address.toString()),
    address: started.db.address,
    identity: started.orbitdb.identity.id,
    ...(metricsServer === undefined ? {} : { metrics: metricsServer.url })
  }
  await mkdir(dirname(config.readyFile), { recursive: true })
  await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
  return {
    ...started,
    ready,
    stop: async () => {
      await metricsServer?.close()
      await started.stop()
      await rm(config.readyFile, { force: true })
    }
  }
}

const STOP_DEADLINE_MS = 10_000

/** `node src/server.ts`: start, print READY and the addresses, stop on a signal. */
export async function runServer (start: StartServer): Promise<void> {
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
