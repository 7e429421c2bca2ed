// The OrbitDB hosting protocol (/liftoff/orbitdb-host/1.0.0), written once for OrbitDB 2 and 4: `protocol(major)`
// binds it to one major's OrbitDB and libp2p (each example's src/replication.ts). A server's own parts: ./server.
import type { Major, PeerLike } from './major.ts'
import type { Document, DocumentsDatabase } from './orbitdb.ts'
import type { QuietBlocks } from './quiet-blockstore.ts'
import {
  askServer, joinEntries, serveHosting, syncWithServer, type Host, type HostRequest, type HostResponse
} from './replication.ts'

export type { QuietBlocks }
export type * from './major.ts'
export { framed } from './major.ts'
export type * from './orbitdb.ts'
export {
  entriesToPush, headsOf, HOST_PROTOCOL, HostRefusal, MAX_PUSHED_BLOCKS, MAX_PUSHED_BYTES, rememberAllowedWriters,
  waitForEntries, type Host, type HostRequest, type HostResponse, type Refusal, type RequestLimits
} from './replication.ts'

/** The protocol's functions, bound to one major's OrbitDB and libp2p. */
export function protocol<N, P extends PeerLike> (major: Major<N, P>) {
  return {
    /** Serves the hosting protocol for `host` on a server's node. */
    serveHosting: async (helia: N & QuietBlocks, host: Host<P>): Promise<void> => serveHosting(major, helia, host),
    /** One request to the server, with the blocks an `await` pushes; throws if it refuses. */
    askServer: async (
      helia: N, server: P, request: HostRequest, signal: AbortSignal, blocks?: Uint8Array[]
    ): Promise<HostResponse & { ok: true }> => askServer(major, helia, server, request, signal, blocks),
    /** Two-way sync with the server: afterwards both sides have each other's writes. */
    syncWithServer: async <T extends Document>(
      helia: N, server: P, db: DocumentsDatabase<T>, timeoutMs: number
    ): Promise<{ serverEntries: number }> => syncWithServer(major, helia, server, db, timeoutMs),
    /** Resolves once `db` holds `hashes` and all they point to, fetched or replicated. */
    joinEntries: async <T extends Document>(
      db: DocumentsDatabase<T>, hashes: string[], signal: AbortSignal
    ): Promise<void> => joinEntries(major, db, hashes, signal)
  }
}
