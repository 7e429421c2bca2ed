// Prometheus metrics for a hosting server (METRICS_LISTEN): libp2p's own (through @libp2p/prometheus-metrics) and the
// hosting's, in one prom-client registry per server (two servers in one process do not share counters), served
// as text at GET /metrics.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Gauge, Registry } from 'prom-client'

export interface ServerMetrics {
  registry: Registry
  /** OrbitDB 'update' events: joins of entries that came from a writer (one join may bring many entries). */
  updates: Counter
  /**
   * Entries in a database's log, as the server last confirmed them to a writer's await: one series per database kept
   * open.
   */
  confirmedEntries: Gauge<'database'>
  /** Hosting protocol requests answered, by op (host, await, unread) and outcome (ok, error). */
  hostRequests: Counter<'op' | 'outcome'>
  /** Hosting protocol requests refused, by reason (replication.ts `Refusal`: a fixed set). */
  hostRefusals: Counter<'reason'>
}

/** `databases` is read at each scrape for the gauge of open databases (the server's own and the hosted). */
export function serverMetrics (databases: { size: number }): ServerMetrics {
  const registry = new Registry()
  registry.registerMetric(new Gauge({
    name: 'liftoff_hosted_databases',
    help: 'Databases open on this server, its own included',
    registers: [],
    collect () { this.set(databases.size) }
  }))
  return {
    registry,
    updates: new Counter({
      name: 'liftoff_database_updates_total',
      help: 'Joins of entries from writers into the databases this server keeps',
      registers: [registry]
    }),
    confirmedEntries: new Gauge({
      name: 'liftoff_confirmed_entries',
      help: 'Entries in a database\'s log as last confirmed to a writer',
      labelNames: ['database'],
      registers: [registry]
    }),
    hostRequests: new Counter({
      name: 'liftoff_host_requests_total',
      help: 'Hosting requests answered, by op and outcome',
      labelNames: ['op', 'outcome'],
      registers: [registry]
    }),
    hostRefusals: new Counter({
      name: 'liftoff_host_refusals_total',
      help: 'Hosting requests refused, by reason',
      labelNames: ['reason'],
      registers: [registry]
    })
  }
}

/**
 * Serves `registry` at http://host:port/metrics (port 0: one the system picks); resolves with the URL once listening.
 */
export async function serveMetrics (
  registry: Registry, host: string, port: number
): Promise<{ url: string, close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end('only GET /metrics here\n')
      return
    }
    registry.metrics().then(
      text => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => response.writeHead(500).end(`${err.message}\n`)
    )
  })
  server.listen(port, host)
  await once(server, 'listening')
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close(err => err === undefined ? resolve() : reject(err)))
    }
  }
}
