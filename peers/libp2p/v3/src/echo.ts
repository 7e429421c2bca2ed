// /liftoff/echo/1.0.0: the server writes back every byte it reads, until the client closes its side.
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const ECHO_PROTOCOL = '/liftoff/echo/1.0.0'
const WRITE_SIZE = 256 * 1024

/** Sends `data`, waiting for the stream to drain whenever its send buffer is full. */
async function sendAll (stream: Stream, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += WRITE_SIZE) {
    if (!stream.send(data.subarray(offset, offset + WRITE_SIZE))) await stream.onDrain()
  }
}

export interface ServeEchoOptions {
  /** Bytes one stream may send; the stream is reset beyond it. */
  maxBytes?: number
  /** Concurrent echo streams per connection. */
  maxStreamsPerConnection?: number
  onTooLong?: (remotePeer: PeerId, bytes: number) => void
  /** After a stream is echoed whole, with its length. */
  onEchoed?: (remotePeer: PeerId, bytes: number) => void
}

// #region serve
export function serveEcho (node: Libp2p, options: ServeEchoOptions = {}): Promise<void> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  return node.handle(ECHO_PROTOCOL, async (stream, connection) => {
    let received = 0
    // A libp2p 3 stream is async-iterable for reading and has send() for writing.
    for await (const chunk of stream) {
      received += chunk.byteLength
      if (received > maxBytes) {
        options.onTooLong?.(connection.remotePeer, received)
        stream.abort(new Error(`echo stream over ${maxBytes} bytes`))
        return
      }
      await sendAll(stream, chunk.subarray())
    }
    await stream.close() // the client closed its side and everything is echoed: close ours
    options.onEchoed?.(connection.remotePeer, received)
  }, options.maxStreamsPerConnection === undefined ? undefined : { maxInboundStreams: options.maxStreamsPerConnection })
}
// #endregion

// #region echo
/** Sends `payload` over a new echo stream and resolves with everything the server sent back. */
export async function echo (node: Libp2p, peer: PeerId | Multiaddr, payload: Uint8Array): Promise<Uint8Array> {
  const stream = await node.dialProtocol(peer, ECHO_PROTOCOL)
  const received: Uint8Array[] = []
  const reading = (async () => {
    for await (const chunk of stream) received.push(chunk.subarray())
  })()
  const sending = (async () => {
    await sendAll(stream, payload)
    await stream.close() // closes our write side; the server's reply keeps arriving until it closes
  })()
  await Promise.all([sending, reading]) // a reset fails both: either one's error is the answer
  // a stream whose connection went away ends without an error: say so rather than report a mismatch
  const length = received.reduce((total, chunk) => total + chunk.byteLength, 0)
  if (length < payload.byteLength) {
    throw new Error(`the echo stream ended after ${length} of ${payload.byteLength} bytes`)
  }
  // one buffer of everything received (no Buffer: this runs in browsers too)
  const all = new Uint8Array(length)
  received.reduce((offset, chunk) => { all.set(chunk, offset); return offset + chunk.byteLength }, 0)
  return all
}
// #endregion
