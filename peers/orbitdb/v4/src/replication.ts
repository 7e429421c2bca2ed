// The hosting protocol (/liftoff/orbitdb-host/1.0.0, @ipfs-liftoff/orbitdb-hosting: what it asks and answers)
// bound to OrbitDB 4 and libp2p 3: a handler gets (stream, connection), and frames come from @libp2p/utils.
import * as orbitdb from '@orbitdb/core'
import { lpStream } from '@libp2p/utils'
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
/** Any Helia node (Node.js or the browser's): only its libp2p is used here. */
export const { serveHosting, askServer, syncWithServer, joinEntries } = protocol<{ libp2p: Libp2p }, PeerId>({
  orbitdb,
  countedEntry: async (log, hash) => log.get(hash),
  handle: async (node, name, limits, handler) =>
    node.libp2p.handle(name, (stream, connection) => handler(framed(stream, limits), connection.remotePeer)),
  dial: async (node, peer, name, limits, signal) => framed(await node.libp2p.dialProtocol(peer, name, { signal }), limits)
})
// #endregion
