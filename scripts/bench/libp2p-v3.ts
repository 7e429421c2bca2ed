// libp2p 3.x (peers/libp2p/v3): the same throughput and latency cases as libp2p-v1, in the same run, so
// the two majors compare against one raw TCP baseline.
import { createNode, type Node } from '../../peers/libp2p/v3/src/node.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v3/src/messages.ts'
import { withDeadline } from '../../peers/libp2p/v3/src/dial.ts'
import { MiB, mibPerSecond, percentile, rawTcpThroughput, round, timed, type BenchResult, type Scale } from './measure.ts'

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
  const { ms } = await timed(async () => Promise.all(Array.from({ length: streams }, async () => {
    const stream = await client.dialProtocol(address, SINK_PROTOCOL)
    for (let sent = 0; sent < bytesPerStream; sent += chunkSize) if (!stream.send(chunk)) await stream.onDrain()
    await stream.close()
    for await (const _chunk of stream) { /* until the server closes: it has everything */ }
  })))
  return mibPerSecond(bytesPerStream * streams, ms)
}

export async function benchLibp2pV3 (scale: Scale): Promise<BenchResult[]> {
  const total = scale === 'full' ? 256 * MiB : 4 * MiB
  const results: BenchResult[] = []
  const raw = { 1: await rawTcpThroughput(total, 1, MiB), 8: await rawTcpThroughput(total / 8, 8, MiB) }
  results.push({ bench: 'libp2p-v3', case: 'raw TCP, 1 connection, 1 MiB writes', value: raw[1], unit: 'MiB/s' })
  results.push({ bench: 'libp2p-v3', case: 'raw TCP, 8 connections, 1 MiB writes', value: raw[8], unit: 'MiB/s' })
  const server = await sinkServer()
  const client = await createNode()
  try {
    for (const chunk of [64 * 1024, MiB]) {
      for (const transport of ['tcp', 'ws'] as const) {
        const address = server.getMultiaddrs().find(candidate => candidate.toString().includes('/ws/') === (transport === 'ws'))!
        for (const streams of [1, 8] as const) {
          const value = await streamThroughput(client, address, total / streams, streams, chunk)
          results.push({ bench: 'libp2p-v3', case: `${transport}, ${streams} stream${streams > 1 ? 's' : ''}, shipped config, ${chunk / 1024} KiB writes`, value, unit: 'MiB/s', baseline: raw[streams], ratio: round(value / raw[streams], 3) })
        }
        await client.hangUp(address)
      }
    }
  } finally {
    await client.stop()
    await server.stop()
  }

  const dials = scale === 'full' ? 100 : 5
  const messages = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], connectionManager: { inboundConnectionThreshold: 10_000 } })
  await serveMessages(messages)
  const dialer = await createNode()
  try {
    const address = messages.getMultiaddrs()[0]!
    const setups: number[] = []
    for (let index = 0; index < dials; index++) {
      const { ms } = await timed(async () => {
        const session = await MessageSession.open(dialer, address)
        await session.request({ text: 'first' })
        await session.close()
      })
      setups.push(ms)
      await dialer.hangUp(address)
    }
    results.push({ bench: 'libp2p-v3', case: `connection set-up + first round trip (median of ${dials})`, value: round(percentile(setups, 0.5)), unit: 'ms', detail: { p95: round(percentile(setups, 0.95)) } })
    await dialer.dial(address)
    const rtts: number[] = []
    for (let index = 0; index < dials; index++) rtts.push(await withDeadline(10_000, async signal => dialer.services.ping.ping(address, { signal })))
    results.push({ bench: 'libp2p-v3', case: `ping RTT (median of ${dials})`, value: round(percentile(rtts, 0.5)), unit: 'ms', detail: { p95: round(percentile(rtts, 0.95)) } })
  } finally {
    await dialer.stop()
    await messages.stop()
  }
  return results
}
