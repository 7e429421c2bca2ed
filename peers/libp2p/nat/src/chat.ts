// The protocol both peers behind NAT speak: one length-prefixed UTF-8 message per stream, at most
// MAX_MESSAGE_BYTES, arriving whole within CHAT_TIMEOUT_MS, answered with one ("echo: <message>"); anything
// else resets the stream. It runs on relayed (limited) connections too, so the peers can talk before, and
// without, a direct connection. The echo protocol, bounded in bytes and idle time, measures a path. And how
// a connection is described in the roles' progress lines.
import { lpStream } from '@libp2p/utils'
import { Circuit, QUIC_V1, TCP, WebRTC, WebSockets } from '@multiformats/multiaddr-matcher'
import * as varint from 'uint8-varint'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export const CHAT_PROTOCOL = '/ipfs-liftoff/nat-chat/1.0.0'
/** The longest chat message, in bytes of UTF-8; its answer is "echo: " longer. */
export const MAX_MESSAGE_BYTES = 4096
const MAX_ANSWER_BYTES = MAX_MESSAGE_BYTES + 'echo: '.length
/** A message (and its answer) must arrive whole within this. */
export const CHAT_TIMEOUT_MS = 10_000
/** Chat streams one connection may have open at once, each way. */
const MAX_CHAT_STREAMS = 8

/** What carries a connection: relayed through a circuit, or direct over one transport. */
export function transportOf (connection: Connection): 'relayed' | 'webrtc' | 'quic' | 'tcp' | 'websockets' | 'other' {
  const address = connection.remoteAddr
  if (WebRTC.matches(address)) return 'webrtc'
  if (Circuit.matches(address)) return 'relayed'
  if (QUIC_V1.matches(address)) return 'quic'
  if (WebSockets.matches(address)) return 'websockets'
  if (TCP.matches(address)) return 'tcp'
  return 'other'
}

/** A peer ID cut to its first 12 characters, in any text: progress lines stay readable. */
export function short (text: string): string {
  return text.replace(/\b(12D3KooW|Qm)(\w{4})\w{30,}/g, '$1$2…')
}

/** e.g. "direct over quic (/ip6/3fff:0:0:1::11/udp/4001/quic-v1)" or "relayed (/ip6/…/p2p-circuit)". */
export function describe (connection: Connection): string {
  const transport = transportOf(connection)
  return `${transport === 'relayed' ? 'relayed' : `direct over ${transport}`} (${short(connection.remoteAddr.toString())})`
}

/**
 * lpStream's varint length decoder, refusing a prefix longer than any allowed length needs: lpStream checks
 * a prefix's length only once it decodes, so a peer sending 0xff bytes would be buffered until the deadline.
 */
function boundedLength (maxDataLength: number): (data: Parameters<typeof varint.decode>[0]) => number {
  const longest = varint.encodingLength(maxDataLength)
  return data => {
    if (data.byteLength > longest) throw Object.assign(new Error(`a length prefix over ${longest} bytes`), { name: 'InvalidDataLengthLengthError' })
    return varint.decode(data)
  }
}

/** Why a chat stream was refused, in words. */
function refusal (err: Error, signal: AbortSignal): string {
  if (err.name === 'InvalidDataLengthError') return `a message over ${MAX_MESSAGE_BYTES} bytes`
  if (err.name === 'InvalidDataLengthLengthError') return err.message
  if (signal.aborted) return `no whole message within ${CHAT_TIMEOUT_MS} ms`
  return err.message
}

/**
 * Answers every chat message with "echo: <message>"; `onMessage` sees each one and the connection it came
 * on, `onRefused` each stream reset instead (a message over MAX_MESSAGE_BYTES, a length prefix longer than
 * that needs, nothing whole within CHAT_TIMEOUT_MS).
 */
export async function handleChat (node: Libp2p, onMessage: (text: string, connection: Connection) => void, onRefused?: (reason: string, connection: Connection) => void): Promise<void> {
  await node.handle(CHAT_PROTOCOL, async (stream, connection) => {
    const messages = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES, lengthDecoder: boundedLength(MAX_MESSAGE_BYTES) })
    const signal = AbortSignal.timeout(CHAT_TIMEOUT_MS)
    try {
      const text = new TextDecoder().decode((await messages.read({ signal })).subarray())
      onMessage(text, connection)
      await messages.write(new TextEncoder().encode(`echo: ${text}`), { signal })
      await stream.close({ signal })
    } catch (err) {
      onRefused?.(refusal(err as Error, signal), connection)
      stream.abort(err as Error)
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: MAX_CHAT_STREAMS })
}

/** A chat message's size in bytes, refused here, before sending, when it is over MAX_MESSAGE_BYTES. */
export function checkMessage (text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength > MAX_MESSAGE_BYTES) throw new Error(`not sent: a message of ${bytes.byteLength} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`)
  return bytes
}

/** Sends one message on `connection` and resolves with the answer. */
export async function sendChat (connection: Connection, text: string): Promise<string> {
  const bytes = checkMessage(text)
  const signal = AbortSignal.timeout(CHAT_TIMEOUT_MS)
  const stream = await connection.newStream(CHAT_PROTOCOL, { signal, runOnLimitedConnection: true, maxOutboundStreams: MAX_CHAT_STREAMS })
  const messages = lpStream(stream, { maxDataLength: MAX_ANSWER_BYTES, lengthDecoder: boundedLength(MAX_ANSWER_BYTES) })
  await messages.write(bytes, { signal })
  const answer = new TextDecoder().decode((await messages.read({ signal })).subarray())
  await stream.close({ signal })
  return answer
}

/** Bulk bytes both ways, to measure a path: the listener writes back every byte it reads on this protocol. */
export const ECHO_PROTOCOL = '/ipfs-liftoff/nat-echo/1.0.0'
const WRITE_SIZE = 64 * 1024

async function sendAll (stream: Stream, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += WRITE_SIZE) {
    if (!stream.send(data.subarray(offset, offset + WRITE_SIZE))) await stream.onDrain()
  }
}

/** What one echo stream may take: ECHO_MAX_BYTES in all, and ECHO_IDLE_TIMEOUT_MS without a byte moving. */
export interface EchoLimits { maxBytes: number, idleTimeoutMs: number }
/** Echo streams one connection may have open at once. */
const MAX_ECHO_STREAMS = 2

/**
 * Echoes every stream on ECHO_PROTOCOL, relayed connections included (within the relay's limits), up to
 * `limits.maxBytes`; a stream that goes over, or idle (nothing sent, or our echo not read) for
 * `limits.idleTimeoutMs`, is reset, and `onEnded` says why.
 */
export async function handleEcho (node: Libp2p, limits: EchoLimits, onEnded?: (reason: string, connection: Connection) => void): Promise<void> {
  await node.handle(ECHO_PROTOCOL, async (stream, connection) => {
    const end = (reason: string): void => {
      onEnded?.(reason, connection)
      stream.abort(new Error(reason))
    }
    let idle: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      clearTimeout(idle)
      idle = setTimeout(() => end(`idle for ${limits.idleTimeoutMs} ms`), limits.idleTimeoutMs)
    }
    arm()
    let echoed = 0
    try {
      for await (const chunk of stream) {
        arm()
        echoed += chunk.byteLength
        if (echoed > limits.maxBytes) {
          end(`over ${limits.maxBytes} bytes`)
          return
        }
        await sendAll(stream, chunk.subarray())
      }
      await stream.close()
    } catch (err) {
      if (stream.status === 'open') stream.abort(err as Error)
    } finally {
      clearTimeout(idle)
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: MAX_ECHO_STREAMS })
}

/** Sends `bytes` random bytes on `connection` and checks they all come back in order; the milliseconds it took. */
export async function echoBytes (connection: Connection, bytes: number): Promise<number> {
  const payload = crypto.getRandomValues(new Uint8Array(Math.min(bytes, 65_536)))
  const started = performance.now()
  const stream = await connection.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
  let received = 0
  const reading = (async () => {
    for await (const chunk of stream) {
      const data = chunk.subarray()
      for (let index = 0; index < data.byteLength; index++) {
        if (data[index] !== payload[(received + index) % payload.byteLength]) throw new Error(`the echo differs at byte ${received + index}`)
      }
      received += data.byteLength
    }
  })()
  try {
    for (let sent = 0; sent < bytes; sent += payload.byteLength) await sendAll(stream, payload.subarray(0, Math.min(payload.byteLength, bytes - sent)))
    await stream.close()
    await reading
  } catch (err) {
    await reading.catch(() => {})
    if (stream.status === 'reset' || stream.status === 'aborted' || (err as Error).name === 'StreamResetError') throw new Error(`the listener ended the echo after ${received} of ${bytes} bytes (it echoes at most its ECHO_MAX_BYTES, and ends an echo idle for ECHO_IDLE_TIMEOUT_MS)`)
    throw err
  }
  if (received !== bytes) throw new Error(`the echo stream ended after ${received} of ${bytes} bytes`)
  return performance.now() - started
}
