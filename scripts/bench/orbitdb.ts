// OrbitDB, any major: documents written per second, and the time until a second peer holds every entry,
// counted by entries in its log (not by the join event). Each example passes its own stack.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuProfile } from './profile.ts'
import { round, timed, type BenchResult, type Scale } from './measure.ts'
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'

export interface OrbitdbExample<Node extends { stop: () => Promise<unknown> }> {
  createNode: (options: { dataDir: string, listen?: string[] }) => Promise<Node>
  /** Dials `to` from `from`. */
  connect: (from: Node, to: Node) => Promise<unknown>
  startOrbitDB: (node: Node, options: { dataDir: string }) => Promise<OrbitDB>
  createDocuments: (node: Node, orbitdb: OrbitDB, name: string) => Promise<DocumentsDatabase>
  openDatabase: (node: Node, orbitdb: OrbitDB, address: string) => Promise<DocumentsDatabase>
  headsOf: (db: DocumentsDatabase) => Promise<string[]>
  waitForEntries: (db: DocumentsDatabase, hashes: string[], signal: AbortSignal) => Promise<void>
}

export async function benchOrbitdb<Node extends { stop: () => Promise<unknown> }> (bench: string, example: OrbitdbExample<Node>, scale: Scale): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const count of scale === 'full' ? [1000, 10_000] : [20]) results.push(...await writeThenReplicate(bench, example, count))
  return results
}

interface Pair<Node> { writerNode: Node, readerNode: Node, writer: OrbitDB, reader: OrbitDB }

/** One peer with its own persistent storage under `dataDir`, stopped after `work`. */
async function withPeer<Node extends { stop: () => Promise<unknown> }, T> (example: OrbitdbExample<Node>, dataDir: string, listen: string[], work: (node: Node, orbitdb: OrbitDB) => Promise<T>): Promise<T> {
  const node = await example.createNode({ dataDir, listen })
  try {
    const orbitdb = await example.startOrbitDB(node, { dataDir })
    try {
      return await work(node, orbitdb)
    } finally {
      await orbitdb.stop()
    }
  } finally {
    await node.stop()
  }
}

/** A writer (listening on loopback) and a reader, each with its own persistent storage; all stopped after `work`. */
async function withPair<Node extends { stop: () => Promise<unknown> }, T> (bench: string, example: OrbitdbExample<Node>, work: (pair: Pair<Node>) => Promise<T>): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), `liftoff-bench-${bench}-`))
  try {
    return await withPeer(example, join(workDir, 'writer'), ['/ip4/127.0.0.1/tcp/0'], async (writerNode, writer) =>
      withPeer(example, join(workDir, 'reader'), [], async (readerNode, reader) => work({ writerNode, readerNode, writer, reader })))
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

async function putDocuments (db: DocumentsDatabase, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await db.put({ _id: `doc-${index}`, index, text: `document ${index}` })
}

/** The reader connects to the writer, opens its database and waits until its log holds every entry; returns the count. */
async function replicate<Node extends { stop: () => Promise<unknown> }> (example: OrbitdbExample<Node>, pair: Pair<Node>, db: DocumentsDatabase): Promise<number> {
  await example.connect(pair.readerNode, pair.writerNode)
  const replica = await example.openDatabase(pair.readerNode, pair.reader, db.address)
  await example.waitForEntries(replica, await example.headsOf(db), AbortSignal.timeout(600_000))
  return (await replica.log.values()).length
}

/** `count` puts on a fresh database with persistent storage, then a second peer connects and replicates it. */
async function writeThenReplicate<Node extends { stop: () => Promise<unknown> }> (bench: string, example: OrbitdbExample<Node>, count: number): Promise<BenchResult[]> {
  return withPair(bench, example, async pair => {
    const db = await example.createDocuments(pair.writerNode, pair.writer, 'bench')
    // Writes alone first (no peer listening), as OrbitDB's own benchmark measures them.
    const writes = await timed(async () => putDocuments(db, count))
    // Then a second peer connects and opens the database: time until its log holds every entry.
    const replication = await timed(async () => replicate(example, pair, db))
    if (replication.value !== count) throw new Error(`the replica holds ${replication.value} entries, not ${count}`)
    return [
      { bench, case: `documents put (${count}, one after another, persistent storage)`, value: round(count / (writes.ms / 1000), 1), unit: 'writes/s', detail: { ms: round(writes.ms, 0) } },
      { bench, case: `a second peer connects, opens the database and holds all ${count} entries`, value: round(replication.ms / 1000, 2), unit: 's' }
    ]
  })
}

/** Where the time goes while a second peer replicates `count` entries (both peers in this process). */
export async function profileOrbitdbReplication<Node extends { stop: () => Promise<unknown> }> (example: OrbitdbExample<Node>, count = 1000): Promise<string> {
  return withPair('profile', example, async pair => {
    const db = await example.createDocuments(pair.writerNode, pair.writer, 'profile')
    await putDocuments(db, count)
    const { value: { ms, value: held }, table } = await cpuProfile(async () => timed(async () => replicate(example, pair, db)))
    if (held !== count) throw new Error(`the replica holds ${held} entries, not ${count}`)
    return [`A second peer held all ${count} entries ${round(ms / 1000, 2)} s after it connected, while profiled.`, '', table].join('\n')
  })
}

/** Where the time goes while one peer puts `count` documents (persistent storage, no peer listening). */
export async function profileOrbitdbPuts<Node extends { stop: () => Promise<unknown> }> (example: OrbitdbExample<Node>, count = 1000): Promise<string> {
  const workDir = await mkdtemp(join(tmpdir(), 'liftoff-bench-profile-'))
  try {
    return await withPeer(example, workDir, [], async (node, orbitdb) => {
      const db = await example.createDocuments(node, orbitdb, 'profile')
      await db.put({ _id: 'warm-up', index: -1, text: 'warm-up' })
      const { value: ms, table } = await cpuProfile(async () => (await timed(async () => putDocuments(db, count))).ms)
      return [`${count} documents put one after another: ${round(count / (ms / 1000), 1)} writes/s while profiled.`, '', table].join('\n')
    })
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
