// Prometheus metrics for the runner (METRICS_LISTEN): its IPFS node's libp2p metrics, through
// @libp2p/prometheus-metrics, and the jobs it holds by state, all in one prom-client registry per runner,
// served as text at GET /metrics.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Gauge, Registry } from 'prom-client'
import type { JobStateType } from '../client/types.ts'

const JOB_STATES: JobStateType[] = ['Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped']

/** `jobStates` is read at each scrape: every stored job's state. */
export function runnerMetrics (jobStates: () => Iterable<JobStateType>): Registry {
  const registry = new Registry()
  registry.registerMetric(new Gauge({
    name: 'liftoff_jobs',
    help: 'Jobs the runner holds, by state',
    labelNames: ['state'],
    collect () {
      const counts = new Map<JobStateType, number>(JOB_STATES.map(state => [state, 0]))
      for (const state of jobStates()) counts.set(state, (counts.get(state) ?? 0) + 1)
      for (const [state, count] of counts) this.set({ state }, count)
    }
  }))
  return registry
}

/** Serves `registry` at http://host:port/metrics (port 0: one the system picks); resolves once listening. */
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
