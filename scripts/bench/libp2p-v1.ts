// libp2p 1.x (peers/libp2p/v1): stream throughput over TCP and WebSockets against raw TCP, library
// defaults against the example's shipped yamux tuning; connection set-up and ping latency.
import { createNode, yamuxTuning, type Node, type NodeOptions } from '../../peers/libp2p/v1/src/node.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v1/src/messages.ts'
import { withDeadline } from '../../peers/libp2p/v1/src/dial.ts'
import { benchLatency, parallelThroughput, rawBaselines, throughputMatrix } from './libp2p-common.ts'
import { MiB, round, type BenchResult, type Scale } from './measure.ts'

const SINK_PROTOCOL = '/liftoff/bench/sink/1.0.0'
type Multiaddr = ReturnType<Node['getMultiaddrs']>[number]

/** A server whose sink protocol drains a stream and closes it once the sender is done. */
async function sinkServer (yamux: NodeOptions['yamux']): Promise<Node> {
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], yamux })
  await server.handle(SINK_PROTOCOL, ({ stream }) => {
    void (async () => {
      for await (const _chunk of stream.source) { /* drain */ }
      await stream.close()
    })().catch(err => stream.abort(err as Error))
  }, { maxInboundStreams: 64 })
  return server
}

async function streamThroughput (client: Node, address: Multiaddr, bytesPerStream: number, streams: number, chunkSize: number): Promise<number> {
  const chunk = new Uint8Array(chunkSize).fill(7)
  return parallelThroughput(streams, bytesPerStream, async () => {
    const stream = await client.dialProtocol(address, SINK_PROTOCOL)
    await stream.sink((function * () {
      for (let sent = 0; sent < bytesPerStream; sent += chunkSize) yield chunk
    })())
    for await (const _chunk of stream.source) { /* until the server closes: it has everything */ }
  })
}

export async function benchLibp2pV1 (scale: Scale): Promise<BenchResult[]> {
  const total = scale === 'full' ? 256 * MiB : 4 * MiB
  const results: BenchResult[] = []
  const raw = await rawBaselines('libp2p-v1', total, results)
  const configs = [
    { name: 'library defaults, 64 KiB writes', yamux: {}, chunk: 64 * 1024 },
    { name: 'shipped tuning, 1 MiB writes', yamux: yamuxTuning, chunk: MiB }
  ]
  for (const config of configs) {
    const server = await sinkServer(config.yamux)
    const client = await createNode({ yamux: config.yamux })
    try {
      await throughputMatrix<Multiaddr>('libp2p-v1', config.name, total, raw, server, client,
        async (address, bytesPerStream, streams) => streamThroughput(client, address, bytesPerStream, streams, config.chunk), results)
    } finally {
      await client.stop()
      await server.stop()
    }
  }

  results.push(...await benchLatency<Node, Multiaddr>('libp2p-v1', { createNode, serveMessages, withDeadline, sessions: MessageSession }, scale))
  return results
}

/**
 * Where the time goes in one shipped-tuning TCP transfer: a CPU profile (node:inspector) of client and
 * server (same process), self time summed by package. Returns a markdown table.
 */
export async function profileLibp2pTcp (bytes = 256 * MiB): Promise<string> {
  const { Session } = await import('node:inspector/promises')
  const server = await sinkServer(yamuxTuning)
  const client = await createNode({ yamux: yamuxTuning })
  const session = new Session()
  session.connect()
  try {
    const address = server.getMultiaddrs().find(candidate => !candidate.toString().includes('/ws'))!
    await streamThroughput(client, address, 8 * MiB, 1, MiB) // warm up
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
    const value = await streamThroughput(client, address, bytes, 1, MiB)
    const { profile } = await session.post('Profiler.stop')
    const selfMs = new Map<string, number>()
    const byNode = new Map(profile.nodes.map(node => [node.id, node]))
    const deltas = profile.timeDeltas ?? []
    for (const [index, sample] of (profile.samples ?? []).entries()) {
      const frame = byNode.get(sample)?.callFrame
      const url = frame?.url ?? ''
      const owner = /node_modules\/\.pnpm\/([^/]+?)@\d/.exec(url)?.[1]?.replace('+', '/') ??
        (url.startsWith('node:') ? `node:${url.slice(5).split('/')[0]} ${frame?.functionName ?? ''}` : url === '' ? `native ${frame?.functionName ?? ''}` : '(our code)')
      selfMs.set(owner, (selfMs.get(owner) ?? 0) + (deltas[index] ?? 0) / 1000)
    }
    const total = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0)
    const rows = [...selfMs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)
      .map(([owner, ms]) => `| ${owner} | ${round(ms, 0)} | ${round(ms / total * 100, 1)} % |`)
    return [`${bytes / MiB} MiB over TCP, one stream, shipped tuning: ${value} MiB/s while profiled.`, '', '| where (self time) | ms | share |', '| --- | --- | --- |', ...rows].join('\n')
  } finally {
    session.disconnect()
    await client.stop()
    await server.stop()
  }
}
