// libp2p 3.x (peers/libp2p/v3): the same throughput and latency cases as libp2p-v1, in the same run, so
// the two majors compare against one raw TCP baseline.
import { createNode, type Node } from '../../peers/libp2p/v3/src/node.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v3/src/messages.ts'
import { withDeadline } from '../../peers/libp2p/v3/src/dial.ts'
import { benchLatency, parallelThroughput, rawBaselines, throughputMatrix } from './libp2p-common.ts'
import { MiB, type BenchResult, type Scale } from './measure.ts'

const SINK_PROTOCOL = '/liftoff/bench/sink/1.0.0'
type Multiaddr = ReturnType<Node['getMultiaddrs']>[number]

async function sinkServer (): Promise<Node> {
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] })
  await server.handle(SINK_PROTOCOL, async stream => {
    for await (const _chunk of stream) { /* drain */ }
    await stream.close()
  }, { maxInboundStreams: 64 })
  return server
}

async function streamThroughput (client: Node, address: Multiaddr, bytesPerStream: number, streams: number, chunkSize: number): Promise<number> {
  const chunk = new Uint8Array(chunkSize).fill(7)
  return parallelThroughput(streams, bytesPerStream, async () => {
    const stream = await client.dialProtocol(address, SINK_PROTOCOL)
    for (let sent = 0; sent < bytesPerStream; sent += chunkSize) if (!stream.send(chunk)) await stream.onDrain()
    await stream.close()
    for await (const _chunk of stream) { /* until the server closes: it has everything */ }
  })
}

export async function benchLibp2pV3 (scale: Scale): Promise<BenchResult[]> {
  const total = scale === 'full' ? 256 * MiB : 4 * MiB
  const results: BenchResult[] = []
  const raw = await rawBaselines('libp2p-v3', total, results)
  const server = await sinkServer()
  const client = await createNode()
  try {
    for (const chunk of [64 * 1024, MiB]) {
      await throughputMatrix<Multiaddr>('libp2p-v3', `shipped config, ${chunk / 1024} KiB writes`, total, raw, server, client,
        async (address, bytesPerStream, streams) => streamThroughput(client, address, bytesPerStream, streams, chunk), results)
    }
  } finally {
    await client.stop()
    await server.stop()
  }

  results.push(...await benchLatency<Node, Multiaddr>('libp2p-v3', { createNode, serveMessages, withDeadline, sessions: MessageSession }, scale))
  return results
}
