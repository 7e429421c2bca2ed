// Upstream: OrbitDB 2.2 keeps an entry that arrives from a peer as a new head only in its heads store; once
// a later entry supersedes it, its bytes are gone, and reading the log waits for a block nobody may still
// have. Fixed in @orbitdb/core 2.3.0, which moved to Helia 5 (so not here, on Helia 4).
// What it does: stores each joined entry as a block too. Effect: correctness (an entry read later is found).
// Canary: test/workarounds.test.ts fails once 2.2's log keeps a superseded replicated head by itself.
import { CID } from 'multiformats/cid'
import type { Document, DocumentsDatabase, LogEntry } from '@orbitdb/core'
import type { Node } from '../node.ts'

export function keepReplicatedEntries<T extends Document> (
  helia: Node, db: DocumentsDatabase<T>
): DocumentsDatabase<T> {
  db.events.on('update', (entry: LogEntry) => {
    Promise.resolve(helia.blockstore.put(CID.parse(entry.hash), entry.bytes))
      .catch((err: Error) => db.events.emit('error', err))
  })
  return db
}
