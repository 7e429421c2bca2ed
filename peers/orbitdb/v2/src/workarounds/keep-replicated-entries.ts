// Workaround (always on): every entry a database joins is stored as a block too.
// The bug: OrbitDB 2.2's joinEntry keeps an entry that arrives from a peer as a new head only in its heads
// store; once a later entry supersedes it, its bytes are gone, and reading the log waits for a block nobody
// may still have (it bit when two writers wrote at once). Fixed in @orbitdb/core 2.3.0, which moved to Helia 5,
// so not here. Canary: test/workarounds.test.ts (a head joined by hand is in no store but the heads store).
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
