// What every libp2p major is measured on, the same way: stream throughput over TCP and WebSockets with 1
// and 8 streams against raw TCP, connection set-up, and ping. Each example passes its own node factory,
// sink sender and messages protocol.
import {
  chachaThroughput, MiB, mibPerSecond, percentile, rawTcpThroughput, round, timed, type BenchResult, type Scale
} from './measure.ts'
import { cpuProfile } from './profile.ts'
import { rawWsThroughput } from './raw-ws.ts'
import { rawTcpSeparate, rawWsSeparate, SEPARATE, sinkProcess } from './separate.ts'

interface LatencyNode<Address> {
  getMultiaddrs: () => Address[]
  dial: (address: Address) => Promise<unknown>
  hangUp: (address: Address) => Promise<void>
  stop: () => Promise<void> | void
  services: { ping: { ping: (address: Address, options: { signal: AbortSignal }) => Promise<number> } }
}

interface Session {
  request: (request: { text: string }) => Promise<unknown>
  close: () => Promise<void>
}

export interface LatencyExample<Node extends LatencyNode<Address>, Address> {
  createNode: (
    options: { listen?: string[], connectionManager?: { inboundConnectionThreshold: number } }
  ) => Promise<Node>
  serveMessages: (node: Node) => Promise<void>
  /** The example's MessageSession class. */
  sessions: { open: (node: Node, address: Address) => Promise<Session> }
  withDeadline: <T>(ms: number, work: (signal: AbortSignal) => Promise<T>) => Promise<T>
}

/** Dial + Noise + Yamux + the first request/response on a fresh connection each time; then ping RTT. */
export async function benchLatency<Node extends LatencyNode<Address>, Address> (
  bench: string, example: LatencyExample<Node, Address>, scale: Scale
): Promise<BenchResult[]> {
  const dials = scale === 'full' ? 100 : 5
  // libp2p refuses more than 5 new connections a second from one host by default; this test makes more.
  const server = await example.createNode({
    listen: ['/ip4/127.0.0.1/tcp/0'], connectionManager: { inboundConnectionThreshold: 10_000 }
  })
  await example.serveMessages(server)
  const client = await example.createNode({})
  try {
    const address = server.getMultiaddrs()[0]!
    const setups: number[] = []
    for (let index = 0; index < dials; index++) {
      setups.push((await timed(async () => {
        const session = await example.sessions.open(client, address)
        await session.request({ text: 'first' })
        await session.close()
      })).ms)
      await client.hangUp(address)
    }
    await client.dial(address)
    const rtts: number[] = []
    // Timed here: libp2p 3 reports whole milliseconds, which on loopback is often 0.
    const ping = async (): Promise<number> =>
      example.withDeadline(10_000, async signal => client.services.ping.ping(address, { signal }))
    for (let index = 0; index < dials; index++) rtts.push((await timed(ping)).ms)
    return [
      {
        bench,
        case: `connection set-up + first round trip (median of ${dials})`,
        value: round(percentile(setups, 0.5)),
        unit: 'ms',
        detail: { p95: round(percentile(setups, 0.95)) }
      },
      {
        bench,
        case: `ping RTT (median of ${dials})`,
        value: round(percentile(rtts, 0.5)),
        unit: 'ms',
        detail: { p95: round(percentile(rtts, 0.95)) }
      }
    ]
  } finally {
    await client.stop()
    await server.stop()
  }
}

/** Raw TCP with 1 and 8 connections, raw WebSockets with one, and one core's cipher, MiB/s. */
export interface Baselines { 1: number, 8: number, ws: number, cipher: number }

/**
 * Raw TCP with one and with eight connections and raw WebSockets with one (both peers in this process, and
 * the sink in a process of its own), and one core's ChaCha20-Poly1305, as the first results of a libp2p
 * benchmark. Raw TCP on loopback does no crypto: an encrypted stream is also compared with its cipher.
 * Returns the one-process baselines and the separate-process ones.
 */
export async function rawBaselines (
  bench: string, total: number, results: BenchResult[]
): Promise<{ oneProcess: Baselines, separate: Baselines }> {
  const cipher = chachaThroughput(total)
  const oneProcess = {
    1: await rawTcpThroughput(total, 1, MiB),
    8: await rawTcpThroughput(total / 8, 8, MiB),
    ws: await rawWsThroughput(total, MiB),
    cipher
  }
  const [one, eight] = await rawTcpSeparate(total, [1, 8], MiB)
  const separate = { 1: one!, 8: eight!, ws: await rawWsSeparate(total, MiB), cipher }
  results.push({ bench, case: 'raw TCP, 1 connection, 1 MiB writes', value: oneProcess[1], unit: 'MiB/s' })
  results.push({ bench, case: 'raw TCP, 8 connections, 1 MiB writes', value: oneProcess[8], unit: 'MiB/s' })
  results.push({ bench, case: `raw TCP, 1 connection, 1 MiB writes${SEPARATE}`, value: separate[1], unit: 'MiB/s' })
  results.push({ bench, case: `raw TCP, 8 connections, 1 MiB writes${SEPARATE}`, value: separate[8], unit: 'MiB/s' })
  const ws = 'raw WebSockets (ws), 1 connection, 1 MiB messages'
  results.push({ bench, case: ws, value: oneProcess.ws, unit: 'MiB/s' })
  results.push({ bench, case: `${ws}${SEPARATE}`, value: separate.ws, unit: 'MiB/s' })
  const cipherCase = 'ChaCha20-Poly1305 on one core, 64 KiB frames, key prepared once (Noise\'s cipher, Node crypto)'
  results.push({ bench, case: cipherCase, value: cipher, unit: 'MiB/s' })
  return { oneProcess, separate }
}

/** TCP and WebSockets × 1 and 8 streams to `addresses` (a server's), each `total` bytes in all; a result per cell. */
export async function throughputMatrix<Address> (
  bench: string, label: string, total: number, raw: Baselines,
  addresses: Address[], client: { hangUp: (address: Address) => Promise<void> },
  send: (address: Address, bytesPerStream: number, streams: number) => Promise<number>,
  results: BenchResult[]
): Promise<void> {
  // One unmeasured transfer first: the raw TCP baseline is a best of three, so this side starts warm too.
  await send(addresses[0]!, Math.min(total, 8 * MiB), 1)
  for (const transport of ['tcp', 'ws'] as const) {
    const address = addresses.find(candidate => String(candidate).includes('/ws') === (transport === 'ws'))!
    for (const streams of [1, 8] as const) {
      const value = await send(address, total / streams, streams)
      results.push({
        bench,
        case: `${transport}, ${streams} stream${streams > 1 ? 's' : ''}, ${label}`,
        value,
        unit: 'MiB/s',
        baseline: raw[streams],
        ratio: round(value / raw[streams], 3),
        detail: {
          to_cipher: round(value / raw.cipher, 3),
          ...(transport === 'ws' ? { to_raw_ws: round(value / raw.ws, 3) } : {})
        }
      })
    }
    await client.hangUp(address)
  }
}

/** The shipped tuning's matrix again with the server in a process of its own, as users run the two peers. */
export async function separateProcessMatrix<
  Address, Client extends { hangUp: (address: Address) => Promise<void>, stop: () => void | Promise<void> }
> (
  bench: 'libp2p-v1' | 'libp2p-v3', total: number, raw: Baselines, createClient: () => Promise<Client>,
  parse: (text: string) => Address,
  send: (client: Client, address: Address, bytesPerStream: number, streams: number) => Promise<number>,
  results: BenchResult[]
): Promise<void> {
  const sink = await sinkProcess<{ multiaddrs: string[] }>({ SINK: bench, YAMUX: 'shipped' })
  try {
    const client = await createClient()
    try {
      const addresses = sink.ready.multiaddrs.map(parse)
      await throughputMatrix<Address>(bench, `shipped tuning, 1 MiB writes${SEPARATE}`, total, raw, addresses, client,
        async (address, bytesPerStream, streams) => send(client, address, bytesPerStream, streams), results)
    } finally {
      await client.stop()
    }
  } finally {
    await sink.stop()
  }
}

/**
 * A major's stream throughput (MiB/s of `streams` parallel streams of `bytesPerStream` each, in `chunkSize` writes)
 * from how it sends one stream's chunks to the sink, returning once the sink has them all.
 */
export function sinkThroughputOf<Client, Address> (
  sendAll: (client: Client, address: Address, chunks: Iterable<Uint8Array>) => Promise<void>
): (client: Client, address: Address, bytesPerStream: number, streams: number, chunkSize: number) => Promise<number> {
  return async (client, address, bytesPerStream, streams, chunkSize) => {
    const chunk = new Uint8Array(chunkSize).fill(7)
    const chunks = function * (): Iterable<Uint8Array> {
      for (let sent = 0; sent < bytesPerStream; sent += chunkSize) yield chunk
    }
    const { ms } = await timed(async () =>
      Promise.all(Array.from({ length: streams }, async () => sendAll(client, address, chunks()))))
    return mibPerSecond(bytesPerStream * streams, ms)
  }
}

/**
 * Where the time goes in one shipped-tuning TCP transfer: a CPU profile (node:inspector) of client and sink in this
 * process, self time summed by package. Returns a markdown table under a line with the rate.
 */
export async function profileOneTcpStream<
  Node extends { stop: () => void | Promise<void>, getMultiaddrs: () => Address[] },
  Address extends { toString: () => string }
> (
  startSink: () => Promise<Node>,
  startClient: () => Promise<Node>,
  throughput: (client: Node, address: Address, bytesPerStream: number, streams: number, chunkSize: number) =>
  Promise<number>,
  bytes: number
): Promise<string> {
  const server = await startSink()
  try {
    const client = await startClient()
    try {
      const address = server.getMultiaddrs().find(candidate => !candidate.toString().includes('/ws'))!
      await throughput(client, address, 8 * MiB, 1, MiB) // warm up
      const { value, table } = await cpuProfile(async () => throughput(client, address, bytes, 1, MiB))
      return [`${bytes / MiB} MiB over TCP, one stream, shipped tuning: ${value} MiB/s while profiled.`, '', table]
        .join('\n')
    } finally {
      await client.stop()
    }
  } finally {
    await server.stop()
  }
}
