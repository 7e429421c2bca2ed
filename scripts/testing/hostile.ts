// Hostile input for the examples' protocol handlers: what a broken or malicious peer sends where a
// length-prefixed JSON frame is expected (random bytes, truncated frames, huge length prefixes, frames just
// over the limit, invalid JSON, JSON of the wrong shape), for HTTP APIs random paths and bodies, and a
// reader of a server's RSS (scripts/bench/measure.ts) to check that memory stays bounded.
import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
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

/** The kinds of hostile frames every frame protocol here is tested with. */
export const FRAME_KINDS = [
  'random bytes', 'truncated frame', 'huge length prefix', 'endless varint', 'frame over the limit', 'invalid JSON',
  'JSON of the wrong shape', 'empty frame', 'nothing at all'
] as const

/**
 * Hostile length-prefixed frames for a handler whose frames may be at most `maxFrameBytes`: of every kind in
 * FRAME_KINDS; `wrongShapes` are JSON texts that parse but are not a request of that protocol.
 */
export function hostileFrames (
  maxFrameBytes: number,
  wrongShapes: string[]
): Array<HostileInput & { kind: (typeof FRAME_KINDS)[number] }> {
  const inputs: Array<HostileInput & { kind: (typeof FRAME_KINDS)[number] }> = []
  for (let index = 0; index < 40; index++) {
    inputs.push({ kind: 'random bytes', bytes: randomBytes(1 + Math.floor(Math.random() * 4096)) })
  }
  for (let index = 0; index < 20; index++) {
    const length = 10 + Math.floor(Math.random() * 1000)
    inputs.push({
      kind: 'truncated frame',
      bytes: Buffer.concat([varint(length), randomBytes(Math.floor(length / 2))])
    })
  }
  for (const length of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
    inputs.push({ kind: 'huge length prefix', bytes: Buffer.concat([varint(length), randomBytes(64)]) })
  }
  inputs.push({ kind: 'endless varint', bytes: new Uint8Array(64).fill(0xff) })
  for (let index = 0; index < 3; index++) {
    inputs.push({ kind: 'frame over the limit', bytes: frame(randomBytes(maxFrameBytes + 1 + index)) })
  }
  for (const junk of [
    '{',
    '}',
    'null,',
    '{"text":',
    '\u0000\u0001',
    'NaN',
    '[1,2',
    '{"a":1}}',
    'undefined',
    "{'text':'x'}"
  ]) {
    inputs.push({ kind: 'invalid JSON', bytes: frame(text(junk)) })
  }
  for (const shape of ['{}', '[]', '"text"', '42', 'null', 'true', ...wrongShapes]) {
    inputs.push({ kind: 'JSON of the wrong shape', bytes: frame(text(shape)) })
  }
  inputs.push({ kind: 'empty frame', bytes: frame(new Uint8Array(0)) })
  inputs.push({ kind: 'nothing at all', bytes: new Uint8Array(0) })
  return inputs
}

export interface HostileRequest {
  kind: string
  method: string
  path: string
  body?: Uint8Array
  headers?: Record<string, string>
}

/** Hostile HTTP requests for an API whose routes include `paths`: every method, random and broken bodies, odd paths. */
export function hostileRequests (paths: string[]): HostileRequest[] {
  const requests: HostileRequest[] = []
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']) {
      requests.push({ kind: 'every method', method, path })
    }
    for (let index = 0; index < 5; index++) {
      requests.push({
        kind: 'random body',
        method: 'PUT',
        path,
        body: randomBytes(1 + Math.floor(Math.random() * 8192))
      })
    }
    for (const junk of [
      '{', '{"Job":', '[]', 'null', '{"Job":{"Tasks":"x"}}', '{"Job":{"Type":5,"Tasks":[{}]}}', '\u0000'
    ]) {
      requests.push({
        kind: 'invalid or wrong-shape JSON',
        method: 'PUT',
        path,
        body: text(junk),
        headers: { 'Content-Type': 'application/json' }
      })
    }
  }
  for (const path of [
    '/', '/api', '/api/v1/../../etc/passwd', `/ipfs/${'x'.repeat(4000)}`, '/%00', '/ipfs/%ZZ', `${paths[0] ?? ''}/%ZZ`,
    '/api/v1/orchestrator/jobs/%2e%2e', `/?${'a=1&'.repeat(500)}`
  ]) { requests.push({ kind: 'odd path', method: 'GET', path }) }
  return requests
}

/** The resident set size of a process, in MiB. */
export const rssMiB = async (pid: number): Promise<number> => memoryMiB(pid)

/** How a server ended a stream: a clean close, or a reset (the peer's stream muxer says which). */
export type Ending = 'closed' | 'reset'
/** What came back on a stream: the frames the server answered with (decoded JSON) and how it ended it. */
export interface Exchange { answers: unknown[], end: Ending }

interface Chunk { byteLength: number, subarray: () => Uint8Array }

/** A libp2p 3 stream, as far as sending raw bytes needs it. */
interface Stream3 extends AsyncIterable<Chunk> {
  send: (data: Uint8Array) => boolean
  onDrain: () => Promise<void>
  close: () => Promise<void>
  status: string
  writeStatus: string
}
/** A libp2p 1 stream (a duplex). */
interface Stream1 {
  sink: (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) => Promise<void>
  source: AsyncIterable<Chunk>
  status: string
}

/** A reset by the remote side, as libp2p 3 (StreamResetError) and libp2p 1's yamux (ERR_STREAM_RESET) report it. */
function isReset (err: unknown): boolean {
  // libp2p 3.3's stream.close() rejects with the stream's close event (its error inside) rather than an error
  const error = err instanceof Error || typeof err !== 'object' || err === null || !('error' in err) ? err : err.error
  return (
    error instanceof Error &&
    (error.name === 'StreamResetError' || (error as Error & { code?: string }).code === 'ERR_STREAM_RESET')
  )
}

/** Reads a stream to its end: the bytes that came, and whether it was reset. Any other error is thrown. */
async function readToEnd (source: AsyncIterable<Chunk>): Promise<{ bytes: Buffer, end: Ending }> {
  const chunks: Uint8Array[] = []
  try {
    for await (const chunk of source) chunks.push(chunk.subarray())
  } catch (err) {
    if (!isReset(err)) throw err
    return { bytes: Buffer.concat(chunks), end: 'reset' }
  }
  return { bytes: Buffer.concat(chunks), end: 'closed' }
}

/** The length-prefixed JSON frames in `bytes` (an unparseable frame as the string it holds). */
export function decodeFrames (bytes: Uint8Array): unknown[] {
  const frames: unknown[] = []
  let offset = 0
  while (offset < bytes.byteLength) {
    const prefix = readVarint(bytes, offset)
    if (prefix === undefined || prefix.next + prefix.value > bytes.byteLength) {
      throw new Error(`the server sent a broken frame at byte ${offset} of ${bytes.byteLength}`)
    }
    const text = Buffer.from(bytes.subarray(prefix.next, prefix.next + prefix.value)).toString('utf8')
    try {
      frames.push(JSON.parse(text))
    } catch {
      frames.push(text)
    }
    offset = prefix.next + prefix.value
  }
  return frames
}

/** A varint at `offset`: its value and where it ends; undefined when the bytes end first. */
function readVarint (bytes: Uint8Array, offset: number): { value: number, next: number } | undefined {
  let value = 0
  for (let index = offset, shift = 1; index < bytes.byteLength; index++, shift *= 128) {
    value += (bytes[index]! & 0x7f) * shift
    if ((bytes[index]! & 0x80) === 0) return { value, next: index + 1 }
  }
  return undefined
}

/**
 * What a server must do with `bytes` sent on a stream whose sender then closes its side, by the rules every
 * protocol here follows: each whole frame gets an error answer (a server that takes one request per stream
 * answers the first and closes); a length prefix longer than the largest frame's (`maxFrameBytes`) or a
 * length over the limit resets the stream at once; input that ends, between frames or inside one, is
 * closed without an answer.
 */
export function expectedExchange (
  bytes: Uint8Array,
  maxFrameBytes: number,
  requestsPerStream: 'one' | 'many'
): { answers: number, end: Ending } {
  const longestPrefix = varint(maxFrameBytes).byteLength
  let answers = 0
  let offset = 0
  while (true) {
    let length: number | undefined
    let next = offset
    for (let value = 0, shift = 1; next < bytes.byteLength; shift *= 128) {
      const byte = bytes[next++]!
      value += (byte & 0x7f) * shift
      if ((byte & 0x80) === 0) { length = value; break }
      if (next - offset >= longestPrefix) return { answers, end: 'reset' } // no frame here needs a longer prefix
    }
    if (length === undefined) return { answers, end: 'closed' }
    if (length > maxFrameBytes) return { answers, end: 'reset' }
    if (next + length > bytes.byteLength) return { answers, end: 'closed' }
    answers++
    if (requestsPerStream === 'one') return { answers, end: 'closed' }
    offset = next + length
  }
}

export type Dialer<Peer> = {
  dialProtocol: (peer: Peer, protocol: string, options?: { signal?: AbortSignal }) => Promise<Stream3 | Stream1>
}

/**
 * Sends `bytes` on a new stream of `protocol`, closes our side, reads to the end: the bytes that came back, and how it
 * ended.
 */
export async function sendRaw<Peer> (
  node: Dialer<Peer>,
  peer: Peer,
  protocol: string,
  bytes: Uint8Array,
  timeoutMs = 15_000
): Promise<{ bytes: Buffer, end: Ending }> {
  const work = (async (): Promise<{ bytes: Buffer, end: Ending }> => {
    const stream = await node.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(timeoutMs) })
    const reading = readToEnd('sink' in stream ? stream.source : stream)
    try {
      if ('sink' in stream) await stream.sink(bytes.byteLength > 0 ? [bytes] : [])
      else {
        if (bytes.byteLength > 0 && !stream.send(bytes)) await stream.onDrain()
        await stream.close()
      }
    } catch (err) {
      if (!isReset(err)) throw err
    }
    return await reading
  })()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${protocol}: no answer, close or reset within ${timeoutMs} ms`)),
      timeoutMs
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** sendRaw for a length-prefixed JSON protocol: the frames that came back, decoded, and how the stream ended. */
export async function rawExchange<Peer> (
  node: Dialer<Peer>,
  peer: Peer,
  protocol: string,
  bytes: Uint8Array,
  timeoutMs = 15_000
): Promise<Exchange> {
  const { bytes: received, end } = await sendRaw(node, peer, protocol, bytes, timeoutMs)
  return { answers: decodeFrames(received), end }
}

/**
 * Sends each hostile frame on a stream of its own and checks what expectedExchange says the server must do:
 * as many answers (fewer only where the reset may overtake them), each an error answer `{ ok: false, … }`,
 * and the stream closed or reset as the rules say. Every kind in FRAME_KINDS must be among the inputs.
 */
export async function expectFramesRefused<Peer> (
  node: Dialer<Peer>,
  peer: Peer,
  protocol: string,
  inputs: HostileInput[],
  maxFrameBytes: number,
  requestsPerStream: 'one' | 'many'
): Promise<void> {
  expect(new Set(inputs.map(input => input.kind))).toEqual(new Set(FRAME_KINDS))
  const wrong: string[] = []
  for (const input of inputs) {
    const exchange = await rawExchange(node, peer, protocol, input.bytes)
    const expected = expectedExchange(input.bytes, maxFrameBytes, requestsPerStream)
    const what = `${input.kind} (${input.bytes.byteLength} bytes: ` +
      `${Buffer.from(input.bytes.subarray(0, 12)).toString('hex')}…)`
    const answered =
      exchange.answers.length === expected.answers ||
      (expected.end === 'reset' && exchange.answers.length < expected.answers)
    if (exchange.end !== expected.end || !answered) {
      wrong.push(
        `${what}: ${exchange.answers.length} answers and ${exchange.end}, expected ${expected.answers} and ` +
          `${expected.end}`
      )
    }
    for (const answer of exchange.answers) {
      const error = answer as { ok?: unknown, error?: unknown }
      if (error.ok !== false || typeof error.error !== 'string' || error.error === '') {
        wrong.push(`${what}: answered ${JSON.stringify(answer).slice(0, 200)}, not an error`)
      }
    }
  }
  expect(wrong).toEqual([])
}

/**
 * A hostile peer's request: the length prefix of a `length`-byte frame, then one byte every 100 ms (the
 * hostile pace, far slower than any real client) until the server ends the stream. Resolves with how it
 * ended, and after how long.
 */
export async function trickle (stream: Stream3 | Stream1, length: number): Promise<Exchange & { ms: number }> {
  const started = Date.now()
  let ended = false
  const pace = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 100)) }
  const reading = readToEnd('sink' in stream ? stream.source : stream).finally(() => { ended = true })
  if ('sink' in stream) {
    await stream.sink((async function * () {
      yield varint(length)
      // eslint-disable-next-line no-unmodified-loop-condition -- the read side's finally sets ended
      for (let sent = 0; sent < length && !ended && stream.status === 'open'; sent++) {
        await pace()
        yield new Uint8Array([0x20])
      }
    })()).catch(() => {}) // a write that fails because the server ended the stream: the read side says how
  } else {
    stream.send(varint(length))
    // eslint-disable-next-line no-unmodified-loop-condition -- the read side's finally sets ended
    for (let sent = 0; sent < length && !ended; sent++) {
      await pace()
      if (stream.status === 'open' && stream.writeStatus === 'writable') stream.send(new Uint8Array([0x20]))
    }
  }
  const received = await reading
  return { answers: decodeFrames(received.bytes), end: received.end, ms: Date.now() - started }
}
