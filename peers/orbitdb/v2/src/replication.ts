// The hosting protocol (/liftoff/orbitdb-host/1.0.0, @ipfs-liftoff/orbitdb-hosting: what it asks and answers)
// bound to OrbitDB 2.2 and libp2p 1.9: a handler gets one { stream, connection }, frames come from
// it-length-prefixed-stream, and an entry that came by pubsub may not be stored yet.
import * as orbitdb from '@orbitdb/core'
import { lpStream } from 'it-length-prefixed-stream'
import { framed, protocol } from '@ipfs-liftoff/orbitdb-hosting'
import type { Libp2p, PeerId } from '@libp2p/interface'

export * from '@ipfs-liftoff/orbitdb-hosting'

// #region major
export const { serveHosting, askServer, syncWithServer, joinEntries } = protocol<{ libp2p: Libp2p }, PeerId>({
  orbitdb,
  // 2.2 may not have stored the block of an entry that came by pubsub yet (keepReplicatedEntries in
  // src/orbitdb.ts does): then it is fetched from whoever has it, or not counted
  countedEntry: async (log, hash) => log.get(hash).catch(() => undefined),
  // libp2p 1.9 hands a handler one { stream, connection }
  handle: async (node, name, limits, handler) => node.libp2p.handle(name, ({ stream, connection }) =>
    handler(framed(lpStream(stream, limits), stream), connection.remotePeer)),
  dial: async (node, peer, name, limits, signal) =>
    node.libp2p.dialProtocol(peer, name, { signal }).then(stream => framed(lpStream(stream, limits), stream))
})
// #endregion
