// The hosting protocol (/liftoff/orbitdb-host/1.0.0, @ipfs-liftoff/orbitdb-hosting: what it asks and answers)
// bound to OrbitDB 4 and libp2p 3: a handler gets (stream, connection), and frames come from @libp2p/utils.
import * as orbitdb from '@orbitdb/core'
import { lpStream } from '@libp2p/utils'
import { framed, protocol } from '@ipfs-liftoff/orbitdb-hosting'
import type { Libp2p, PeerId } from '@libp2p/interface'

export * from '@ipfs-liftoff/orbitdb-hosting'

// #region major
// any Helia node (Node.js or the browser's): only its libp2p is used
export const { serveHosting, askServer, syncWithServer, joinEntries } = protocol<{ libp2p: Libp2p }, PeerId>({
  orbitdb,
  countedEntry: async (log, hash) => log.get(hash),
  // libp2p 3 hands a handler (stream, connection)
  handle: async (node, name, limits, handler) => node.libp2p.handle(name, (stream, connection) =>
    handler(framed(lpStream(stream, limits), stream), connection.remotePeer)),
  dial: async (node, peer, name, limits, signal) => {
    const stream = await node.libp2p.dialProtocol(peer, name, { signal })
    return framed(lpStream(stream, limits), stream)
  }
})
// #endregion
