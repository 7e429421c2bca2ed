// libp2p 3.x (peers/libp2p/v3): the same throughput and latency cases as libp2p-v1 (library defaults
// against the example's yamux tuning), so the two majors compare against one raw TCP baseline; and the whole
// tuning (TUNED=1: src/tuned/yamux.ts and noise-crypto.ts) beside them.
import { createNode, type Node, type NodeOptions } from '../../peers/libp2p/v3/src/node.ts'
import { tunedNoise } from '../../peers/libp2p/v3/src/tuned/noise-crypto.ts'
import { yamuxTuning } from '../../peers/libp2p/v3/src/tuned/yamux.ts'
import { MessageSession, serveMessages } from '../../peers/libp2p/v3/src/messages.ts'
import { parseServerAddress, withDeadline } from '../../peers/libp2p/v3/src/dial.ts'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuProfile } from './profile.ts'
import { sinkProcess } from './separate.ts'
import {
  benchLatency, rawBaselines, profileOneTcpStream, separateProcessMatrix, sinkThroughputOf, throughputMatrix
} from './libp2p-common.ts'
import { chachaThroughput, MiB, type BenchResult, type Scale } from './measure.ts'

const SINK_PROTOCOL = '/liftoff/bench/sink/1.0.0'
type Multiaddr = ReturnType<Node['getMultiaddrs']>[number]

/** The example's whole tuning, as TUNED=1 runs it: the yamux settings and the tuned Noise cipher. */
const TUNED: NodeOptions = { yamux: yamuxTuning, noise: tunedNoise }

/** The sink; `tuned` adds the tuned Noise cipher, and sink-process.ts's YAMUX=shipped is the whole tuning (TUNED=1). */
export async function sinkServer (yamux: NodeOptions['yamux'], tuned = yamux === yamuxTuning): Promise<Node> {
  const listen = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
  const server = await createNode({ listen, yamux, noise: tuned ? tunedNoise : undefined })
  await server.handle(SINK_PROTOCOL, async stream => {
    for await (const chunk of stream) chunk.subarray() // drained
    await stream.close()
  }, { maxInboundStreams: 64 })
  return server
}

const streamThroughput = sinkThroughputOf<Node, Multiaddr>(async (client, address, chunks) => {
  const stream = await client.dialProtocol(address, SINK_PROTOCOL)
  for (const chunk of chunks) if (!stream.send(chunk)) await stream.onDrain()
  await stream.close()
  for await (const chunk of stream) chunk.subarray() // until the server closes: it has everything
})

export async function benchLibp2pV3 (scale: Scale): Promise<BenchResult[]> {
  const total = scale === 'full' ? 256 * MiB : 4 * MiB
  const results: BenchResult[] = []
  const raw = await rawBaselines('libp2p-v3', total, results)
  // the default node (TUNED unset), its yamux tuning alone, the whole tuning ("shipped": what the targets read)
  const configs = [
    { name: 'library defaults, 64 KiB writes', yamux: {}, chunk: 64 * 1024 },
    { name: 'yamux tuning (Noise\'s own cipher), 1 MiB writes', yamux: yamuxTuning, chunk: MiB },
    { name: 'shipped tuning (TUNED=1, tuned Noise cipher), 1 MiB writes', yamux: yamuxTuning, tuned: true, chunk: MiB }
  ]
  for (const config of configs) {
    const tuned = config.tuned === true
    const server = await sinkServer(config.yamux, tuned)
    const client = await createNode({ yamux: config.yamux, noise: tuned ? tunedNoise : undefined })
    try {
      await throughputMatrix<Multiaddr>('libp2p-v3', config.name, total, raw.oneProcess, server.getMultiaddrs(), client,
        async (address, bytesPerStream, streams) =>
          streamThroughput(client, address, bytesPerStream, streams, config.chunk), results)
    } finally {
      await client.stop()
      await server.stop()
    }
  }
  await separateProcessMatrix<Multiaddr, Node>('libp2p-v3', total, raw.separate, async () => createNode(TUNED),
    parseServerAddress, async (client, address, bytesPerStream, streams) =>
      streamThroughput(client, address, bytesPerStream, streams, MiB), results)

  const example = { createNode, serveMessages, withDeadline, sessions: MessageSession }
  results.push(...await benchLatency<Node, Multiaddr>('libp2p-v3', example, scale))
  return results
}

/** Where the time goes in one shipped-tuning TCP transfer (client and server in this process). */
export async function profileLibp2pV3Tcp (bytes = 256 * MiB): Promise<string> {
  const startSink = async (): Promise<Node> => sinkServer(yamuxTuning)
  return profileOneTcpStream(startSink, async () => createNode(TUNED), streamThroughput, bytes)
}

/**
 * The same transfer with the server in a process of its own, as users run it: each process profiles itself
 * (the server from READY until it stops, so also the warm-up), one table each, with the cipher's one-core rate.
 */
export async function profileLibp2pV3TcpSeparate (bytes = 256 * MiB): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-profile-'))
  try {
    const serverTable = join(work, 'server.md')
    const sink = await sinkProcess<{ multiaddrs: string[] }>({
      SINK: 'libp2p-v3', YAMUX: 'shipped', PROFILE_TABLE: serverTable
    })
    let sent: { value: number, table: string }
    try {
      const client = await createNode(TUNED)
      try {
        const address = parseServerAddress(sink.ready.multiaddrs.find(candidate => !candidate.includes('/ws'))!)
        await streamThroughput(client, address, 8 * MiB, 1, MiB) // warm up
        sent = await cpuProfile(async () => streamThroughput(client, address, bytes, 1, MiB))
      } finally {
        await client.stop()
      }
    } finally {
      await sink.stop()
    }
    const cipher = chachaThroughput(64 * MiB)
    return [
      `${bytes / MiB} MiB over TCP, one stream, shipped tuning, peers in separate processes: ${sent.value} MiB/s ` +
        `while profiled (one core's ChaCha20-Poly1305: ${cipher} MiB/s).`,
      '', 'The sending process:', '', sent.table, '',
      'The receiving process:', '', (await readFile(serverTable, 'utf8')).trimEnd()
    ].join('\n')
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
