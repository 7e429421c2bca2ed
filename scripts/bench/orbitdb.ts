// OrbitDB, any major: documents written per second, and the time until a second peer holds every entry,
// counted by entries in its log (not by the join event); first with both peers in this process, then with
// the writer in a process of its own (scripts/bench/orbitdb-writer.ts). Each example passes its own stack,
// or several (its tuned stack and its library defaults): each case is then measured with each, side by side.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuProfile } from './profile.ts'
import { round, timed, type BenchResult, type Scale } from './measure.ts'
import { benchProcess, SEPARATE } from './separate.ts'
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'

type Stoppable = { stop: () => Promise<unknown> }

export interface OrbitdbExample<Node extends Stoppable> {
  /** Added to each case's name (e.g. "library defaults"); none for the stack the targets are set for. */
  variant?: string
  /** What the writer process (scripts/bench/orbitdb-writer.ts) needs besides ORBITDB to build this stack. */
  writerEnv?: Record<string, string>
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

/** What a stack is built from: an example's own modules (src/node.ts, dial.ts, orbitdb.ts, replication.ts, tuning). */
export interface OrbitdbModules<Node, Address, Bitswap> {
  createNode: (options: { dataDir: string, listen?: string[], bitswap?: Bitswap }) => Promise<Node>
  parseServerAddress: (text: string) => Address
  startOrbitDB: (node: Node, options: { dataDir: string }) => Promise<OrbitDB>
  tuning: (tuned: boolean) => { bitswap?: Bitswap, tune?: (orbitdb: OrbitDB) => Promise<unknown> }
  headsOf: OrbitdbExample<Stoppable>['headsOf']
  waitForEntries: OrbitdbExample<Stoppable>['waitForEntries']
}

type Libp2pNode<Address> = Stoppable & {
  libp2p: { getMultiaddrs: () => Array<{ toString: () => string }>, dial: (address: Address) => Promise<unknown> }
}

/**
 * An example's stack as its Node roles run it with TUNED=1 (`tuned`: the rows the targets are set for) or on the
 * libraries' defaults (marked "library defaults"); the writer process is started with the same TUNED.
 */
export function orbitdbStack<Node extends Libp2pNode<Address>, Address, Bitswap> (
  modules: OrbitdbModules<Node, Address, Bitswap>,
  databases: Pick<OrbitdbExample<Node>, 'createDocuments' | 'openDatabase'>,
  tuned: boolean
): OrbitdbExample<Node> {
  const { bitswap, tune } = modules.tuning(tuned)
  return {
    variant: tuned ? undefined : 'library defaults',
    writerEnv: { TUNED: tuned ? '1' : '0' },
    createNode: async options => modules.createNode({ ...options, bitswap }),
    addressOf: node => node.libp2p.getMultiaddrs()[0]!.toString(),
    dial: async (from, address) => from.libp2p.dial(modules.parseServerAddress(address)),
    startOrbitDB: async (node, options) => {
      const orbitdb = await modules.startOrbitDB(node, options)
      await tune?.(orbitdb)
      return orbitdb
    },
    ...databases,
    headsOf: modules.headsOf,
    waitForEntries: modules.waitForEntries
  }
}

/**
 * An example's benchmarks from its stack: every case with the tuned stack and the library defaults side by side, the
 * profiles of the tuned one, and the writer process (scripts/bench/orbitdb-writer.ts, TUNED as the reader).
 */
export function orbitdbBenches<Node extends Stoppable> (
  bench: string, stack: (tuned: boolean) => OrbitdbExample<Node>
) {
  return {
    bench: async (scale: Scale): Promise<BenchResult[]> => benchOrbitdb(bench, [stack(true), stack(false)], scale),
    profilePuts: async (): Promise<string> => profileOrbitdbPuts(stack(true)),
    profileReplication: async (): Promise<string> => profileOrbitdbReplication(stack(true)),
    serveWriter: async (dataDir: string, count: number): ReturnType<typeof serveWrittenDatabase> =>
      serveWrittenDatabase(stack(process.env.TUNED === '1'), dataDir, count)
  }
}

export async function benchOrbitdb<Node extends Stoppable> (
  bench: string, examples: OrbitdbExample<Node> | Array<OrbitdbExample<Node>>, scale: Scale
): Promise<BenchResult[]> {
  const stacks = Array.isArray(examples) ? examples : [examples]
  const results: BenchResult[] = []
  for (const count of scale === 'full' ? [1000, 10_000] : [20]) {
    const together: BenchResult[][] = []
    for (const example of stacks) together.push(await writeThenReplicate(bench, example, count))
    // each case's rows side by side: the puts, then the replication, then the replication across processes
    for (let row = 0; row < (together[0]?.length ?? 0); row++) results.push(...together.map(rows => rows[row]!))
    for (const example of stacks) results.push(await replicateFromWriterProcess(bench, example, count))
  }
  return results
}

/** ", <variant>" for a case name, or nothing. */
const marked = (example: { variant?: string }): string => example.variant === undefined ? '' : `, ${example.variant}`

/** What the writer process (scripts/bench/orbitdb-writer.ts) prints once its `count` puts are done. */
export interface WrittenDatabase { multiaddrs: string[], address: string, heads: string[], putsMs: number }

/** The writer's side in a process of its own: a peer listening on loopback that puts `count` documents. */
export async function serveWrittenDatabase<Node extends Stoppable> (
  example: OrbitdbExample<Node>, dataDir: string, count: number
): Promise<{ ready: WrittenDatabase, stop: () => Promise<void> }> {
  const node = await example.createNode({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
  const orbitdb = await example.startOrbitDB(node, { dataDir })
  const stop = async (): Promise<void> => {
    await orbitdb.stop()
    await node.stop()
  }
  try {
    const db = await example.createDocuments(node, orbitdb, 'bench')
    const { ms } = await timed(async () => putDocuments(db, count))
    const heads = await example.headsOf(db)
    return { ready: { multiaddrs: [example.addressOf(node)], address: db.address, heads, putsMs: round(ms, 0) }, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The writer puts `count` documents in a process of its own; then a peer here connects and replicates them. */
async function replicateFromWriterProcess<Node extends Stoppable> (
  bench: string, example: OrbitdbExample<Node>, count: number
): Promise<BenchResult> {
  const workDir = await mkdtemp(join(tmpdir(), `liftoff-bench-${bench}-`))
  try {
    const env = { ...example.writerEnv, ORBITDB: bench, COUNT: String(count), DATA_DIR: join(workDir, 'writer') }
    const writer = await benchProcess<WrittenDatabase>('orbitdb-writer.ts', env, `${bench} writer`, 600_000)
    try {
      return await withPeer(example, join(workDir, 'reader'), [], async (node, orbitdb) => {
        const { ms, value: held } = await timed(async () => {
          await example.dial(node, writer.ready.multiaddrs[0]!)
          const replica = await example.openDatabase(node, orbitdb, writer.ready.address)
          await example.waitForEntries(replica, writer.ready.heads, AbortSignal.timeout(600_000))
          return (await replica.log.values()).length
        })
        if (held !== count) throw new Error(`the replica holds ${held} entries, not ${count}`)
        const entries = `all ${count} entries${marked(example)}`
        return {
          bench,
          case: `a second peer connects, opens the database and holds ${entries}${SEPARATE}`,
          value: round(ms / 1000, 2),
          unit: 's',
          detail: { writer_puts_per_s: round(count / (writer.ready.putsMs / 1000), 1) }
        }
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
async function withPeer<Node extends Stoppable, T> (
  example: OrbitdbExample<Node>, dataDir: string, listen: string[], work: (node: Node, orbitdb: OrbitDB) => Promise<T>
): Promise<T> {
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
async function withPair<Node extends Stoppable, T> (
  bench: string, example: OrbitdbExample<Node>, work: (pair: Pair<Node>) => Promise<T>
): Promise<T> {
  const workDir = await mkdtemp(join(tmpdir(), `liftoff-bench-${bench}-`))
  try {
    return await withPeer(example, join(workDir, 'writer'), ['/ip4/127.0.0.1/tcp/0'], async (writerNode, writer) =>
      withPeer(example, join(workDir, 'reader'), [], async (readerNode, reader) => {
        return work({ writerNode, readerNode, writer, reader })
      }))
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

async function putDocuments (db: DocumentsDatabase, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await db.put({ _id: `doc-${index}`, index, text: `document ${index}` })
}

/** The reader connects to the writer, opens its database and waits until its log holds every entry: their count. */
async function replicate<Node extends Stoppable> (
  example: OrbitdbExample<Node>, pair: Pair<Node>, db: DocumentsDatabase
): Promise<number> {
  await example.dial(pair.readerNode, example.addressOf(pair.writerNode))
  const replica = await example.openDatabase(pair.readerNode, pair.reader, db.address)
  await example.waitForEntries(replica, await example.headsOf(db), AbortSignal.timeout(600_000))
  return (await replica.log.values()).length
}

/** `count` puts on a fresh database with persistent storage, then a second peer connects and replicates it. */
async function writeThenReplicate<Node extends Stoppable> (
  bench: string, example: OrbitdbExample<Node>, count: number
): Promise<BenchResult[]> {
  return withPair(bench, example, async pair => {
    const db = await example.createDocuments(pair.writerNode, pair.writer, 'bench')
    // Writes alone first (no peer listening), as OrbitDB's own benchmark measures them.
    const writes = await timed(async () => putDocuments(db, count))
    // Then a second peer connects and opens the database: time until its log holds every entry.
    const replication = await timed(async () => replicate(example, pair, db))
    if (replication.value !== count) throw new Error(`the replica holds ${replication.value} entries, not ${count}`)
    return [
      {
        bench,
        case: `documents put (${count}, one after another, persistent storage)${marked(example)}`,
        value: round(count / (writes.ms / 1000), 1),
        unit: 'writes/s',
        detail: { ms: round(writes.ms, 0) }
      },
      {
        bench,
        case: `a second peer connects, opens the database and holds all ${count} entries${marked(example)}`,
        value: round(replication.ms / 1000, 2),
        unit: 's'
      }
    ]
  })
}

/** Where the time goes while a second peer replicates `count` entries (both peers in this process). */
export async function profileOrbitdbReplication<Node extends Stoppable> (
  example: OrbitdbExample<Node>, count = 1000
): Promise<string> {
  return withPair('profile', example, async pair => {
    const db = await example.createDocuments(pair.writerNode, pair.writer, 'profile')
    await putDocuments(db, count)
    const profiled = await cpuProfile(async () => timed(async () => replicate(example, pair, db)))
    const { value: { ms, value: held }, table } = profiled
    if (held !== count) throw new Error(`the replica holds ${held} entries, not ${count}`)
    const seconds = round(ms / 1000, 2)
    const summary = `A second peer held all ${count} entries ${seconds} s after it connected, while profiled.`
    return [summary, '', table].join('\n')
  })
}

/** Where the time goes while one peer puts `count` documents (persistent storage, no peer listening). */
export async function profileOrbitdbPuts<Node extends Stoppable> (
  example: OrbitdbExample<Node>, count = 1000
): Promise<string> {
  const workDir = await mkdtemp(join(tmpdir(), 'liftoff-bench-profile-'))
  try {
    return await withPeer(example, workDir, [], async (node, orbitdb) => {
      const db = await example.createDocuments(node, orbitdb, 'profile')
      await db.put({ _id: 'warm-up', index: -1, text: 'warm-up' })
      const { value: ms, table } = await cpuProfile(async () => (await timed(async () => putDocuments(db, count))).ms)
      const rate = round(count / (ms / 1000), 1)
      const summary = `${count} documents put one after another: ${rate} writes/s while profiled.`
      return [summary, '', table].join('\n')
    })
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
