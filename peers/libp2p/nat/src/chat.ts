// The protocol both peers behind NAT speak: one length-prefixed UTF-8 message per stream, answered with one
// ("echo: <message>"). It runs on relayed (limited) connections too, so the peers can talk before, and
// without, a direct connection. And how a connection is described in the roles' progress lines.
import { lpStream } from '@libp2p/utils'
import { Circuit, QUIC_V1, TCP, WebRTC, WebSockets } from '@multiformats/multiaddr-matcher'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export const CHAT_PROTOCOL = '/ipfs-liftoff/nat-chat/1.0.0'
const MAX_MESSAGE_BYTES = 4096
const TIMEOUT_MS = 10_000

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

/** Answers every chat message with "echo: <message>"; `onMessage` sees each one and the connection it came on. */
export async function handleChat (node: Libp2p, onMessage: (text: string, connection: Connection) => void): Promise<void> {
  await node.handle(CHAT_PROTOCOL, async (stream, connection) => {
    const messages = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const text = new TextDecoder().decode((await messages.read({ signal })).subarray())
    onMessage(text, connection)
    await messages.write(new TextEncoder().encode(`echo: ${text}`), { signal })
    await stream.close({ signal })
  }, { runOnLimitedConnection: true })
}

/** Sends one message on `connection` and resolves with the answer. */
export async function sendChat (connection: Connection, text: string): Promise<string> {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  const stream = await connection.newStream(CHAT_PROTOCOL, { signal, runOnLimitedConnection: true })
  const messages = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
  await messages.write(new TextEncoder().encode(text), { signal })
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

/** Echoes every stream on ECHO_PROTOCOL, relayed connections included (within the relay's limits). */
export async function handleEcho (node: Libp2p): Promise<void> {
  await node.handle(ECHO_PROTOCOL, async stream => {
    for await (const chunk of stream) await sendAll(stream, chunk.subarray())
    await stream.close()
  }, { runOnLimitedConnection: true })
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
  for (let sent = 0; sent < bytes; sent += payload.byteLength) await sendAll(stream, payload.subarray(0, Math.min(payload.byteLength, bytes - sent)))
  await stream.close()
  await reading
  if (received !== bytes) throw new Error(`the echo stream ended after ${received} of ${bytes} bytes`)
  return performance.now() - started
}
