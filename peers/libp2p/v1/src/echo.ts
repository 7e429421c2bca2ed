// /liftoff/echo/1.0.0: the server writes back every byte it reads, until the client closes its side.
import type { PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Node } from './node.ts'

export const ECHO_PROTOCOL = '/liftoff/echo/1.0.0'

export function serveEcho (node: Node, options: { maxStreamsPerConnection?: number } = {}): Promise<void> {
  return node.handle(ECHO_PROTOCOL, ({ stream }) => {
    // A libp2p 1.x stream is an async-iterable duplex: feeding its source to its sink echoes.
    stream.sink(stream.source).catch((err: Error) => stream.abort(err))
  }, options.maxStreamsPerConnection === undefined ? undefined : { maxInboundStreams: options.maxStreamsPerConnection })
}

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
  return Buffer.concat(received)
}
