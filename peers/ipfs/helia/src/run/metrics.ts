// Prometheus metrics for the server (METRICS_LISTEN): libp2p's and Bitswap's own, through
// @libp2p/prometheus-metrics, and this example's counters, all in one prom-client registry per server (two
// servers in one process do not share counters), served as text at GET /metrics.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Registry } from 'prom-client'

export interface ServerMetrics {
  registry: Registry
  /** Pin requests on /liftoff/pin/1.0.0, by outcome (ok, or the response's error code). */
  pinRequests: Counter<'outcome'>
  /** Blocks those pins hold (fetched or found here). */
  pinnedBlocks: Counter
}

export function serverMetrics (): ServerMetrics {
  const registry = new Registry()
  return {
    registry,
    pinRequests: new Counter({
      name: 'liftoff_pin_requests_total',
      help: 'Pin requests answered, by outcome',
      labelNames: ['outcome'],
      registers: [registry]
    }),
    pinnedBlocks: new Counter({
      name: 'liftoff_pinned_blocks_total', help: 'Blocks held by the pins requests asked for', registers: [registry]
    })
  }
}

/** Serves `registry` at http://host:port/metrics (port 0: a free port); resolves with the URL once listening. */
export async function serveMetrics (registry: Registry, host: string, port: number) {
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
