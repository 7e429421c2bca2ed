// OrbitDB 4.x (peers/orbitdb/v4): the same cases as orbitdb-v2, in the same run.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode } from '../../peers/orbitdb/v4/src/node.ts'
import { createDocuments, openDatabase, startOrbitDB } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { headsOf, waitForEntries } from '../../peers/orbitdb/v4/src/replication.ts'
import { round, timed, type BenchResult, type Scale } from './measure.ts'

export async function benchOrbitdbV4 (scale: Scale): Promise<BenchResult[]> {
  const count = scale === 'full' ? 1000 : 20
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-orbitdb4-'))
  const writerDir = join(work, 'writer')
  const readerDir = join(work, 'reader')
  const writerNode = await createNode({ dataDir: writerDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const readerNode = await createNode({ dataDir: readerDir })
  try {
    const writer = await startOrbitDB(writerNode, { dataDir: writerDir })
    const reader = await startOrbitDB(readerNode, { dataDir: readerDir })
    try {
      const db = await createDocuments(writer, 'bench', [])
      // Writes alone first (no peer listening), as OrbitDB's own benchmark measures them.
      const writes = await timed(async () => {
        for (let index = 0; index < count; index++) await db.put({ _id: `doc-${index}`, index, text: `document ${index}` })
      })
      // Then a second peer connects and opens the database: time until its log holds every entry.
      const replication = await timed(async () => {
        await readerNode.libp2p.dial(writerNode.libp2p.getMultiaddrs()[0]!)
        const replica = await openDatabase(reader, db.address)
        await waitForEntries(replica, await headsOf(db), AbortSignal.timeout(300_000))
        return (await replica.log.values()).length
      })
      if (replication.value !== count) throw new Error(`the replica holds ${replication.value} entries, not ${count}`)
      return [
        { bench: 'orbitdb-v4', case: `documents put (${count}, one after another, persistent storage)`, value: round(count / (writes.ms / 1000), 1), unit: 'writes/s', detail: { ms: round(writes.ms, 0) } },
        { bench: 'orbitdb-v4', case: `a second peer connects, opens the database and holds all ${count} entries`, value: round(replication.ms / 1000, 2), unit: 's' }
      ]
    } finally {
      await reader.stop()
      await writer.stop()
    }
  } finally {
    await readerNode.stop()
    await writerNode.stop()
    await rm(work, { recursive: true, force: true })
  }
}
