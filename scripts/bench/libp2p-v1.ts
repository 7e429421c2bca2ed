// libp2p 1.x (peers/libp2p/v1): stream throughput over TCP and WebSockets against raw TCP, the library
// defaults (the example's default) beside the opt-in Yamux tuning (TUNED=1, src/tuned/yamux.ts), each default
// row followed by the same case tuned; connection set-up and ping latency.
import { createNode, type Node, type NodeOptions } from '../../peers/libp2p/v1/src/node.ts'
import { yamuxTuning } from '../../peers/libp2p/v1/src/tuned/yamux.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v1/src/messages.ts'
import { parseServerAddress, withDeadline } from '../../peers/libp2p/v1/src/dial.ts'
import {
  benchLatency, rawBaselines, profileOneTcpStream, separateProcessMatrix, sinkThroughputOf, throughputMatrix
} from './libp2p-common.ts'
import { MiB, type BenchResult, type Scale } from './measure.ts'

const SINK_PROTOCOL = '/liftoff/bench/sink/1.0.0'
type Multiaddr = ReturnType<Node['getMultiaddrs']>[number]
type Source = AsyncIterable<{ byteLength: number }>

/** Reads a stream's source to its end; resolves with the bytes read. */
async function drain (source: Source): Promise<number> {
  let bytes = 0
  for await (const chunk of source) bytes += chunk.byteLength
  return bytes
}

/** A server whose sink protocol drains a stream and closes it once the sender is done. */
export async function sinkServer (yamux: NodeOptions['yamux']): Promise<Node> {
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], yamux })
  await server.handle(SINK_PROTOCOL, ({ stream }) => {
    drain(stream.source).then(async () => stream.close()).catch((err: Error) => stream.abort(err))
  }, { maxInboundStreams: 64 })
  return server
}

const streamThroughput = sinkThroughputOf<Node, Multiaddr>(async (client, address, chunks) => {
  const stream = await client.dialProtocol(address, SINK_PROTOCOL)
  await stream.sink(chunks)
  await drain(stream.source) // until the server closes: it has everything
})

/** Each case's default row, then the same case tuned. */
function sideBySide (defaults: BenchResult[], tuned: BenchResult[]): BenchResult[] {
  return defaults.flatMap((result, index) => tuned[index] === undefined ? [result] : [result, tuned[index]])
}

export async function benchLibp2pV1 (scale: Scale): Promise<BenchResult[]> {
  const total = scale === 'full' ? 256 * MiB : 4 * MiB
  const results: BenchResult[] = []
  const raw = await rawBaselines('libp2p-v1', total, results)
  // The row names stay as BENCHMARKS.md and the goals in scripts/bench.ts know them ("shipped tuning").
  const rows: BenchResult[] = []
  const defaults = { name: 'library defaults, 64 KiB writes', yamux: undefined, chunk: 64 * 1024, rows }
  const tuned = { name: 'shipped tuning, 1 MiB writes', yamux: yamuxTuning, chunk: MiB, rows: [...rows] }
  for (const config of [defaults, tuned]) {
    const server = await sinkServer(config.yamux)
    const client = await createNode({ yamux: config.yamux })
    const send = async (address: Multiaddr, bytesPerStream: number, streams: number): Promise<number> =>
      streamThroughput(client, address, bytesPerStream, streams, config.chunk)
    try {
      const addresses = server.getMultiaddrs()
      await throughputMatrix('libp2p-v1', config.name, total, raw.oneProcess, addresses, client, send, config.rows)
    } finally {
      await client.stop()
      await server.stop()
    }
  }
  results.push(...sideBySide(defaults.rows, tuned.rows))
  await separateProcessMatrix<Multiaddr, Node>('libp2p-v1', total, raw.separate,
    async () => createNode({ yamux: yamuxTuning }), parseServerAddress,
    async (client, address, bytesPerStream, streams) => streamThroughput(client, address, bytesPerStream, streams, MiB),
    results)

  const example = { createNode, serveMessages, withDeadline, sessions: MessageSession }
  results.push(...await benchLatency<Node, Multiaddr>('libp2p-v1', example, scale))
  return results
}

/** Where the time goes in one shipped-tuning TCP transfer (client and server in this process). */
export async function profileLibp2pTcp (bytes = 256 * MiB): Promise<string> {
  return profileOneTcpStream(
    async () => sinkServer(yamuxTuning), async () => createNode({ yamux: yamuxTuning }), streamThroughput, bytes
  )
}
