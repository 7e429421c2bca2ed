// What every benchmark shares: timing, statistics, the result record, and the raw TCP baseline that
// libp2p and bitswap numbers are divided by (measured in the same run, on the same loopback).
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createConnection, createServer, type Socket } from 'node:net'

export interface BenchResult {
  bench: string
  /** What was measured, e.g. "tcp 1 stream". */
  case: string
  value: number
  unit: string
  /** value / baseline, when the bench has one. */
  ratio?: number
  baseline?: number
  detail?: Record<string, string | number>
  /** Operations that failed (every load row has it). */
  failures?: number
}

export type Scale = 'tiny' | 'full'

export const MiB = 1024 * 1024

/** A process's memory from /proc (Linux), in MiB: VmRSS resident now, VmHWM the most it ever was. */
export async function memoryMiB (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return round(Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) / 1024, 1)
}

export function mibPerSecond (bytes: number, ms: number): number {
  return round(bytes / MiB / (ms / 1000))
}

/** The first line of what was thrown, for a row's `errors` or `detail`. */
export function firstLine (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!
}

export function round (value: number, digits = 2): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

export function percentile (samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN
}

export function median (samples: number[]): number {
  return percentile(samples, 0.5)
}

/**
 * Several runs of one benchmark folded into one row per case: the median value (and median ratio, each
 * run's against its own baseline), with min, max and the number of runs in the detail. A numeric detail
 * (a latency percentile, say) is the median of the runs' too.
 */
function medianDetails (samples: BenchResult[]): Record<string, number> {
  const keys = Object.keys(samples[0]!.detail ?? {}).filter(key =>
    samples.every(sample => typeof sample.detail?.[key] === 'number')
  )
  return Object.fromEntries(
    keys.map(key => [key, round(median(samples.map(sample => Number(sample.detail?.[key]))), 2)])
  )
}

export function foldRuns (runs: BenchResult[][]): BenchResult[] {
  if (runs.length === 1) return runs[0]!
  const cases = new Map<string, BenchResult[]>()
  for (const run of runs) for (const result of run) cases.set(result.case, [...cases.get(result.case) ?? [], result])
  return [...cases.values()].map(samples => {
    const first = samples[0]!
    const values = samples.map(sample => sample.value)
    const ratios = samples.flatMap(sample => sample.ratio === undefined ? [] : [sample.ratio])
    const baselines = samples.flatMap(sample => sample.baseline === undefined ? [] : [sample.baseline])
    const failures = samples.flatMap(sample => sample.failures === undefined ? [] : [sample.failures])
    return {
      ...first,
      value: round(median(values), 2),
      ...(baselines.length > 0 ? { baseline: round(median(baselines), 2) } : {}),
      ...(ratios.length > 0 ? { ratio: round(median(ratios), 3) } : {}),
      ...(failures.length > 0 ? { failures: failures.reduce((sum, count) => sum + count, 0) } : {}),
      detail: {
        ...first.detail,
        ...medianDetails(samples),
        runs: samples.length,
        min: round(Math.min(...values), 2),
        max: round(Math.max(...values), 2)
      }
    }
  })
}

export async function timed<T> (work: () => Promise<T>): Promise<{ ms: number, value: T }> {
  const started = performance.now()
  const value = await work()
  return { ms: performance.now() - started, value }
}

/** Writes `total` bytes in `chunk`-sized writes, honouring back-pressure; resolves when all are handed over. */
export async function writeAll (
  write: (chunk: Uint8Array) => boolean | Promise<void>,
  drained: () => Promise<unknown>,
  total: number,
  chunk: Uint8Array
): Promise<void> {
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    const result = await write(sent + chunk.byteLength <= total ? chunk : chunk.subarray(0, total - sent))
    if (result === false) await drained()
  }
}

/**
 * Raw Node TCP on loopback: `streams` connections in parallel, each sending `bytesPerStream` to a server
 * that counts them and closes when it has all. MiB/s over the whole transfer, best of three (the first
 * run also warms up the JIT), so the baseline is not flattered by a slow first pass.
 */
/**
 * One core sealing 64 KiB frames with ChaCha20-Poly1305 (Noise's cipher) through Node's OpenSSL, a fresh
 * nonce each, as Noise seals a transport message, the key prepared once (a KeyObject, as the libp2p 3
 * example's Noise does): the most one encrypted stream could move on one core. Best of three.
 */
export function chachaThroughput (bytes: number): number {
  const key = createSecretKey(randomBytes(32))
  const frame = new Uint8Array(64 * 1024).fill(7)
  const runs: number[] = []
  for (let run = 0; run < 3; run++) {
    const started = performance.now()
    for (let nonce = 0; nonce * frame.byteLength < bytes; nonce++) {
      const iv = Buffer.alloc(12)
      iv.writeUInt32LE(nonce, 4)
      const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 })
      cipher.update(frame)
      cipher.final()
      cipher.getAuthTag()
    }
    runs.push(mibPerSecond(bytes, performance.now() - started))
  }
  return Math.max(...runs)
}

export async function rawTcpThroughput (
  bytesPerStream: number,
  streams: number,
  chunkSize = 64 * 1024
): Promise<number> {
  const runs: number[] = []
  for (let run = 0; run < 3; run++) runs.push(await rawTcpOnce(bytesPerStream, streams, chunkSize))
  return Math.max(...runs)
}

async function rawTcpOnce (bytesPerStream: number, streams: number, chunkSize: number): Promise<number> {
  const server = createServer(socket => {
    socket.resume()
    socket.on('end', () => socket.end())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    return await rawTcpSend((server.address() as { port: number }).port, bytesPerStream, streams, chunkSize)
  } finally {
    server.close()
  }
}

/** Sends `bytesPerStream` on each of `streams` connections to a sink on `port` that closes when the sender is done. */
async function rawTcpSend (port: number, bytesPerStream: number, streams: number, chunkSize: number): Promise<number> {
  const chunk = new Uint8Array(chunkSize).fill(7)
  const { ms } = await timed(async () => Promise.all(Array.from({ length: streams }, async () => {
    const socket: Socket = createConnection(port, '127.0.0.1')
    await once(socket, 'connect')
    const closed = once(socket, 'close')
    socket.resume()
    await writeAll(data => socket.write(data), () => once(socket, 'drain'), bytesPerStream, chunk)
    socket.end()
    await closed
  })))
  return mibPerSecond(bytesPerStream * streams, ms)
}

/** Raw TCP to a sink in another process (scripts/bench/sink-process.ts SINK=raw) on `port`; best of three. */
export async function rawTcpThroughputTo (
  port: number,
  bytesPerStream: number,
  streams: number,
  chunkSize = 64 * 1024
): Promise<number> {
  const runs: number[] = []
  for (let run = 0; run < 3; run++) runs.push(await rawTcpSend(port, bytesPerStream, streams, chunkSize))
  return Math.max(...runs)
}
