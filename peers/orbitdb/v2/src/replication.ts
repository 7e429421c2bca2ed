// The hosting protocol (/liftoff/orbitdb-host/1.0.0, @ipfs-liftoff/orbitdb-hosting: what it asks and answers)
// bound to OrbitDB 2.2 and libp2p 1.9: a handler gets one { stream, connection }, frames come from
// it-length-prefixed-stream, and an entry that came by pubsub may not be stored yet.
import * as orbitdb from '@orbitdb/core'
import { lpStream } from 'it-length-prefixed-stream'
import { protocol, type FramedStream, type FrameLimits } from '@ipfs-liftoff/orbitdb-hosting'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

export * from '@ipfs-liftoff/orbitdb-hosting'

/** A stream's length-prefixed frames, and the stream's own close and abort. */
function framed (stream: Stream, limits: FrameLimits): FramedStream {
  return Object.assign(lpStream(stream, limits), {
    close: async () => stream.close(),
    abort: (err: Error) => stream.abort(err)
  })
}

// #region major
export const { serveHosting, askServer, syncWithServer, joinEntries } = protocol<{ libp2p: Libp2p }, PeerId>({
  orbitdb,
  // 2.2 may not have stored the block of an entry that came by pubsub yet (keepReplicatedEntries in
  // src/orbitdb.ts does): then it is fetched from whoever has it, or not counted
  countedEntry: async (log, hash) => log.get(hash).catch(() => undefined),
  handle: async (node, name, limits, handler) =>
    node.libp2p.handle(name, ({ stream, connection }) => handler(framed(stream, limits), connection.remotePeer)),
  dial: async (node, peer, name, limits, signal) => framed(await node.libp2p.dialProtocol(peer, name, { signal }), limits)
})
// #endregion
