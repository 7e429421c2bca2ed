// libp2p 1.x (peers/libp2p/v1): stream throughput over TCP and WebSockets against raw TCP, library
// defaults against the example's shipped yamux tuning; connection set-up and ping latency.
import { createNode, yamuxTuning, type Node, type NodeOptions } from '../../peers/libp2p/v1/src/node.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v1/src/messages.ts'
import { parseServerAddress, withDeadline } from '../../peers/libp2p/v1/src/dial.ts'
import { cpuProfile } from './profile.ts'
import { benchLatency, parallelThroughput, rawBaselines, separateProcessMatrix, throughputMatrix } from './libp2p-common.ts'
import { MiB, round, type BenchResult, type Scale } from './measure.ts'

const SINK_PROTOCOL = '/liftoff/bench/sink/1.0.0'
type Multiaddr = ReturnType<Node['getMultiaddrs']>[number]

/** A server whose sink protocol drains a stream and closes it once the sender is done. */
export async function sinkServer (yamux: NodeOptions['yamux']): Promise<Node> {
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
      await throughputMatrix<Multiaddr>('libp2p-v1', config.name, total, raw.oneProcess, server.getMultiaddrs(), client,
        async (address, bytesPerStream, streams) => streamThroughput(client, address, bytesPerStream, streams, config.chunk), results)
    } finally {
      await client.stop()
      await server.stop()
    }
  }
  await separateProcessMatrix<Multiaddr, Node>('libp2p-v1', total, raw.separate, async () => createNode({ yamux: yamuxTuning }), parseServerAddress,
    async (client, address, bytesPerStream, streams) => streamThroughput(client, address, bytesPerStream, streams, MiB), results)

  results.push(...await benchLatency<Node, Multiaddr>('libp2p-v1', { createNode, serveMessages, withDeadline, sessions: MessageSession }, scale))
  return results
}

/**
 * Where the time goes in one shipped-tuning TCP transfer: a CPU profile (node:inspector) of client and
 * server (same process), self time summed by package. Returns a markdown table.
 */
export async function profileLibp2pTcp (bytes = 256 * MiB): Promise<string> {
  const server = await sinkServer(yamuxTuning)
  const client = await createNode({ yamux: yamuxTuning })
  try {
    const address = server.getMultiaddrs().find(candidate => !candidate.toString().includes('/ws'))!
    await streamThroughput(client, address, 8 * MiB, 1, MiB) // warm up
    const { value, table } = await cpuProfile(async () => streamThroughput(client, address, bytes, 1, MiB))
    return [`${bytes / MiB} MiB over TCP, one stream, shipped tuning: ${value} MiB/s while profiled.`, '', table].join('\n')
  } finally {
    await client.stop()
    await server.stop()
  }
}
