// The harness's Prometheus metrics for the server (METRICS_LISTEN): libp2p's own, through
// @libp2p/prometheus-metrics, and this example's counters, all in one prom-client registry per server (two
// servers in one process do not share counters), served as text at GET /metrics.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, Registry } from 'prom-client'

export interface ServerMetrics {
  registry: Registry
  /** Echo streams answered whole. */
  echoStreams: Counter
  /** Bytes those streams echoed back. */
  echoedBytes: Counter
  /** Requests answered on the messages protocol, by outcome. */
  messages: Counter<'outcome'>
}

export function serverMetrics (): ServerMetrics {
  const registry = new Registry()
  return {
    registry,
    echoStreams: new Counter({
      name: 'liftoff_echo_streams_total', help: 'Echo streams answered whole', registers: [registry]
    }),
    echoedBytes: new Counter({ name: 'liftoff_echo_bytes_total', help: 'Bytes echoed back', registers: [registry] }),
    messages: new Counter({
      name: 'liftoff_messages_total',
      help: 'Requests answered on the messages protocol',
      labelNames: ['outcome'],
      registers: [registry]
    })
  }
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
