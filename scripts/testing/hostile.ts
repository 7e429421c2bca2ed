// Hostile input for the examples' protocol handlers: what a broken or malicious peer sends where a
// length-prefixed JSON frame is expected (random bytes, truncated frames, huge length prefixes, frames just
// over the limit, invalid JSON, JSON of the wrong shape), for HTTP APIs random paths and bodies, and a
// reader of a server's RSS (scripts/bench/measure.ts) to check that memory stays bounded.
import { randomBytes } from 'node:crypto'
import { memoryMiB } from '../bench/measure.ts'

export interface HostileInput { kind: string, bytes: Uint8Array }

/** An unsigned LEB128 varint, as length prefixes are written. */
export function varint (value: number): Uint8Array {
  const bytes: number[] = []
  let rest = value
  do {
    let byte = rest % 128
    rest = Math.floor(rest / 128)
    if (rest > 0) byte |= 0x80
    bytes.push(byte)
  } while (rest > 0)
  return Uint8Array.from(bytes)
}

const frame = (payload: Uint8Array): Uint8Array => Buffer.concat([varint(payload.byteLength), payload])
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

/** Hostile length-prefixed frames for a handler whose frames may be at most `maxFrameBytes`. */
export function hostileFrames (maxFrameBytes: number): HostileInput[] {
  const inputs: HostileInput[] = []
  for (let index = 0; index < 40; index++) inputs.push({ kind: 'random bytes', bytes: randomBytes(1 + Math.floor(Math.random() * 4096)) })
  for (let index = 0; index < 20; index++) {
    const length = 10 + Math.floor(Math.random() * 1000)
    inputs.push({ kind: 'truncated frame', bytes: Buffer.concat([varint(length), randomBytes(Math.floor(length / 2))]) })
  }
  for (const length of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) inputs.push({ kind: 'huge length prefix', bytes: Buffer.concat([varint(length), randomBytes(64)]) })
  inputs.push({ kind: 'endless varint', bytes: new Uint8Array(64).fill(0xff) })
  for (let index = 0; index < 3; index++) inputs.push({ kind: 'frame over the limit', bytes: frame(randomBytes(maxFrameBytes + 1 + index)) })
  for (const junk of ['{', '}', 'null,', '{"text":', '\u0000\u0001', 'NaN', '[1,2', '{"a":1}}', 'undefined', "{'text':'x'}"]) inputs.push({ kind: 'invalid JSON', bytes: frame(text(junk)) })
  for (const shape of ['{}', '[]', '"text"', '42', 'null', '{"text":5}', '{"text":null}', '{"op":"nope","address":"x"}', '{"op":"await","address":"/orbitdb/zdpu","heads":"x","timeoutMs":-1}', '{"cid":{"/":"x"}}', '{"cid":"bafynotacid"}', JSON.stringify({ text: 'x'.repeat(1000), extra: [1, { deep: [[[[[]]]]] }] })]) inputs.push({ kind: 'JSON of the wrong shape', bytes: frame(text(shape)) })
  inputs.push({ kind: 'empty frame', bytes: frame(new Uint8Array(0)) })
  inputs.push({ kind: 'nothing at all', bytes: new Uint8Array(0) })
  return inputs
}

/** Hostile HTTP requests: path and method and body, for an API on `base`. */
export function hostileRequests (paths: string[]): Array<{ kind: string, method: string, path: string, body?: Uint8Array, headers?: Record<string, string> }> {
  const requests: Array<{ kind: string, method: string, path: string, body?: Uint8Array, headers?: Record<string, string> }> = []
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']) requests.push({ kind: 'every method', method, path })
    for (let index = 0; index < 5; index++) requests.push({ kind: 'random body', method: 'PUT', path, body: randomBytes(1 + Math.floor(Math.random() * 8192)) })
    for (const junk of ['{', '{"Job":', '[]', 'null', '{"Job":{"Tasks":"x"}}', '{"Job":{"Type":5,"Tasks":[{}]}}', '\u0000']) requests.push({ kind: 'invalid or wrong-shape JSON', method: 'PUT', path, body: text(junk), headers: { 'Content-Type': 'application/json' } })
  }
  for (const path of ['/', '/api', '/api/v1/../../etc/passwd', `/ipfs/${'x'.repeat(4000)}`, '/%00', '/ipfs/%ZZ', '/api/v1/orchestrator/jobs/%2e%2e', `/?${'a=1&'.repeat(500)}`]) requests.push({ kind: 'odd path', method: 'GET', path })
  return requests
}

/** The resident set size of a process, in MiB. */
export const rssMiB = async (pid: number): Promise<number> => memoryMiB(pid)

export type Outcome = 'answered' | 'closed' | 'reset'

interface Chunk { byteLength: number }

/** A libp2p 3 stream, as far as sending raw bytes needs it. */
interface Stream3 extends AsyncIterable<Chunk> { send: (data: Uint8Array) => boolean, onDrain: () => Promise<void>, close: () => Promise<void>, status: string, writeStatus: string }
/** A libp2p 1 stream (a duplex). */
interface Stream1 { sink: (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) => Promise<void>, source: AsyncIterable<Chunk>, status: string }

/** Sends `bytes` on a new stream of `protocol`, closes our side, reads to the end: what did the server do? */
export async function rawExchange<Peer> (node: { dialProtocol: (peer: Peer, protocol: string, options?: { signal?: AbortSignal }) => Promise<Stream3 | Stream1> }, peer: Peer, protocol: string, bytes: Uint8Array, timeoutMs = 15_000): Promise<Outcome> {
  const work = (async (): Promise<Outcome> => {
    const stream = await node.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(timeoutMs) })
    let received = 0
    try {
      if ('sink' in stream) {
        await Promise.all([stream.sink(bytes.byteLength > 0 ? [bytes] : []), (async () => { for await (const chunk of stream.source) received += chunk.byteLength })()])
      } else {
        if (bytes.byteLength > 0 && !stream.send(bytes)) await stream.onDrain()
        await stream.close()
        for await (const chunk of stream) received += chunk.byteLength
      }
    } catch {
      return 'reset'
    }
    return received > 0 ? 'answered' : 'closed'
  })()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${protocol}: no answer, close or reset within ${timeoutMs} ms`)), timeoutMs) })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A hostile peer's request: the length prefix of a `length`-byte frame, then one byte every 100 ms, far
 * slower than any real client, until the server ends the stream. Resolves with how it ended, and when.
 */
export async function trickle (stream: Stream3 | Stream1, length: number): Promise<{ outcome: Outcome, ms: number }> {
  const started = Date.now()
  let ended: Outcome | undefined
  const pause = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 100)) }
  const read = async (source: AsyncIterable<Chunk>): Promise<Outcome> => {
    let received = 0
    try {
      for await (const chunk of source) received += chunk.byteLength
    } catch {
      return 'reset'
    }
    return received > 0 ? 'answered' : 'closed'
  }
  if ('sink' in stream) {
    const reading = read(stream.source).then(outcome => { ended = outcome; return outcome })
    await stream.sink((async function * () {
      yield varint(length)
      for (let sent = 0; sent < length && ended === undefined && stream.status === 'open'; sent++) {
        await pause()
        yield new Uint8Array([0x20])
      }
    })()).catch(() => {})
    return { outcome: await reading, ms: Date.now() - started }
  }
  const reading = read(stream).then(outcome => { ended = outcome; return outcome })
  stream.send(varint(length))
  for (let sent = 0; sent < length && ended === undefined; sent++) {
    await pause()
    if (stream.status === 'open' && stream.writeStatus === 'writable') stream.send(new Uint8Array([0x20]))
  }
  return { outcome: await reading, ms: Date.now() - started }
}
