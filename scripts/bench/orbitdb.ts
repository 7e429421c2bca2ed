// OrbitDB, any major: documents written per second, and the time until a second peer holds every entry,
// counted by entries in its log (not by the join event); first with both peers in this process, then with
// the writer in a process of its own (scripts/bench/orbitdb-writer.ts). Each example passes its own stack.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuProfile } from './profile.ts'
import { round, timed, type BenchResult, type Scale } from './measure.ts'
import { benchProcess, SEPARATE } from './separate.ts'
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'

export interface OrbitdbExample<Node extends { stop: () => Promise<unknown> }> {
  createNode: (options: { dataDir: string, listen?: string[] }) => Promise<Node>
  /** Where `node` listens, as text. */
  addressOf: (node: Node) => string
  /** Dials `address` from `from`. */
  dial: (from: Node, address: string) => Promise<unknown>
  startOrbitDB: (node: Node, options: { dataDir: string }) => Promise<OrbitDB>
  createDocuments: (node: Node, orbitdb: OrbitDB, name: string) => Promise<DocumentsDatabase>
  openDatabase: (node: Node, orbitdb: OrbitDB, address: string) => Promise<DocumentsDatabase>
  headsOf: (db: DocumentsDatabase) => Promise<string[]>
  waitForEntries: (db: DocumentsDatabase, hashes: string[], signal: AbortSignal) => Promise<void>
}

export async function benchOrbitdb<Node extends { stop: () => Promise<unknown> }> (bench: string, example: OrbitdbExample<Node>, scale: Scale): Promise<BenchResult[]> {
  const results: BenchResult[] = []
  for (const count of scale === 'full' ? [1000, 10_000] : [20]) {
    results.push(...await writeThenReplicate(bench, example, count))
    results.push(await replicateFromWriterProcess(bench, example, count))
  }
  return results
}

/** What the writer process (scripts/bench/orbitdb-writer.ts) prints once its `count` puts are done. */
export interface WrittenDatabase { multiaddrs: string[], address: string, heads: string[], putsMs: number }

/** The writer's side in a process of its own: a peer listening on loopback that puts `count` documents. */
export async function serveWrittenDatabase<Node extends { stop: () => Promise<unknown> }> (example: OrbitdbExample<Node>, dataDir: string, count: number): Promise<{ ready: WrittenDatabase, stop: () => Promise<void> }> {
  const node = await example.createNode({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const orbitdb = await example.startOrbitDB(node, { dataDir })
  const stop = async (): Promise<void> => {
    await orbitdb.stop()
    await node.stop()
  }
  try {
    const db = await example.createDocuments(node, orbitdb, 'bench')
    const { ms } = await timed(async () => putDocuments(db, count))
    return { ready: { multiaddrs: [example.addressOf(node)], address: db.address, heads: await example.headsOf(db), putsMs: round(ms, 0) }, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The writer puts `count` documents in a process of its own; then a peer here connects and replicates them. */
async function replicateFromWriterProcess<Node extends { stop: () => Promise<unknown> }> (bench: string, example: OrbitdbExample<Node>, count: number): Promise<BenchResult> {
  const workDir = await mkdtemp(join(tmpdir(), `liftoff-bench-${bench}-`))
  try {
    const writer = await benchProcess<WrittenDatabase>('orbitdb-writer.ts', { ORBITDB: bench, COUNT: String(count), DATA_DIR: join(workDir, 'writer') }, `${bench} writer`, 600_000)
    try {
      return await withPeer(example, join(workDir, 'reader'), [], async (node, orbitdb) => {
        const { ms, value: held } = await timed(async () => {
          await example.dial(node, writer.ready.multiaddrs[0]!)
          const replica = await example.openDatabase(node, orbitdb, writer.ready.address)
          await example.waitForEntries(replica, writer.ready.heads, AbortSignal.timeout(600_000))
          return (await replica.log.values()).length
        })
        if (held !== count) throw new Error(`the replica holds ${held} entries, not ${count}`)
        return { bench, case: `a second peer connects, opens the database and holds all ${count} entries${SEPARATE}`, value: round(ms / 1000, 2), unit: 's', detail: { writer_puts_per_s: round(count / (writer.ready.putsMs / 1000), 1) } }
      })
    } finally {
      await writer.stop()
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
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
  await example.dial(pair.readerNode, example.addressOf(pair.writerNode))
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
