// /liftoff/echo/1.0.0: the server writes back every byte it reads, until the client closes its side.
import type { PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Node } from './node.ts'

export const ECHO_PROTOCOL = '/liftoff/echo/1.0.0'

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
export function serveEcho (node: Node, options: ServeEchoOptions = {}): Promise<void> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
  return node.handle(ECHO_PROTOCOL, ({ stream, connection }) => {
    // A libp2p 1.x stream is an async-iterable duplex: feeding its source to its sink echoes, here
    // through a counter that ends the stream with an error past the limit.
    let received = 0
    async function * limited (): AsyncGenerator<Uint8Array> {
      for await (const chunk of stream.source) {
        received += chunk.byteLength
        if (received > maxBytes) {
          options.onTooLong?.(connection.remotePeer, received)
          throw new Error(`echo stream over ${maxBytes} bytes`)
        }
        yield chunk.subarray()
      }
    }
    stream.sink(limited()).then(
      () => options.onEchoed?.(connection.remotePeer, received),
      (err: Error) => stream.abort(err)
    )
  }, options.maxStreamsPerConnection === undefined ? undefined : { maxInboundStreams: options.maxStreamsPerConnection })
}
// #endregion

// #region echo
/** Sends `payload` over a new echo stream and resolves with everything the server sent back. */
export async function echo (node: Node, peer: PeerId | Multiaddr, payload: Uint8Array): Promise<Uint8Array> {
  const stream: Stream = await node.dialProtocol(peer, ECHO_PROTOCOL)
  const received: Uint8Array[] = []
  await Promise.all([
    stream.sink([payload]), // closes our write side when done
    (async () => {
      for await (const chunk of stream.source) received.push(chunk.subarray())
    })()
  ])
  await stream.close()
  const returned = Buffer.concat(received)
  // a stream whose connection went away ends without an error: say so rather than report a mismatch
  if (returned.byteLength < payload.byteLength) {
    throw new Error(`the echo stream ended after ${returned.byteLength} of ${payload.byteLength} bytes`)
  }
  return returned
}
// #endregion
