// OrbitDB 2.x (peers/orbitdb/v2), on Helia 4 / libp2p 1.9: every case twice, with the example's speed-ups
// (src/tuned/, as TUNED=1 runs the roles: native signatures, no Bitswap want-list wait) and with the
// libraries' defaults, rows side by side. The targets in scripts/bench.ts read the tuned rows (listed first).
import { parseServerAddress } from '../../peers/orbitdb/v2/src/dial.ts'
import { createNode, type Node } from '../../peers/orbitdb/v2/src/node.ts'
import { createDocuments, openDatabase, startOrbitDB } from '../../peers/orbitdb/v2/src/orbitdb.ts'
import { headsOf, waitForEntries } from '../../peers/orbitdb/v2/src/replication.ts'
import { tuning } from '../../peers/orbitdb/v2/src/run/tuning.ts'
import {
  benchOrbitdb, serveWrittenDatabase, profileOrbitdbPuts, profileOrbitdbReplication, type OrbitdbExample
} from './orbitdb.ts'
import type { BenchResult, Scale } from './measure.ts'

function example (tuned: boolean): OrbitdbExample<Node> {
  const { bitswap, tune } = tuning(tuned)
  return {
    createNode: async options => createNode({ ...options, bitswap }),
    addressOf: node => node.libp2p.getMultiaddrs()[0]!.toString(),
    dial: async (from, address) => from.libp2p.dial(parseServerAddress(address)),
    startOrbitDB: async (node, options) => {
      const orbitdb = await startOrbitDB(node, options)
      await tune?.(orbitdb)
      return orbitdb
    },
    createDocuments: async (node, orbitdb, name) => createDocuments(node, orbitdb, name, []),
    openDatabase: async (node, orbitdb, address) => openDatabase(node, orbitdb, address),
    headsOf,
    waitForEntries
  }
}

/** Whether this process's roles are tuned: the writer process (scripts/bench/orbitdb-writer.ts) inherits TUNED. */
const tunedHere = (): boolean => ['1', 'true', 'yes'].includes(process.env.TUNED?.trim().toLowerCase() ?? '')

async function withTuned<R> (tuned: boolean, work: () => Promise<R>): Promise<R> {
  const before = process.env.TUNED
  process.env.TUNED = tuned ? '1' : '0'
  try {
    return await work()
  } finally {
    if (before === undefined) delete process.env.TUNED
    else process.env.TUNED = before
  }
}

export async function benchOrbitdbV2 (scale: Scale): Promise<BenchResult[]> {
  const tuned = await withTuned(true, async () => benchOrbitdb<Node>('orbitdb-v2', example(true), scale))
  const defaults = await withTuned(false, async () => benchOrbitdb<Node>('orbitdb-v2', example(false), scale))
  return tuned.flatMap((row, index) => {
    const other = defaults[index]
    const pair = [{ ...row, case: `tuned: ${row.case}` }]
    return other === undefined ? pair : [...pair, { ...other, case: `library defaults: ${other.case}` }]
  })
}

export async function profileOrbitdbV2Puts (): Promise<string> {
  return profileOrbitdbPuts<Node>(example(true))
}

export async function profileOrbitdbV2Replication (): Promise<string> {
  return profileOrbitdbReplication<Node>(example(true))
}

/** The writer of the pair in a process of its own (scripts/bench/orbitdb-writer.ts). */
export async function serveOrbitdbV2Writer (dataDir: string, count: number): ReturnType<typeof serveWrittenDatabase> {
  return serveWrittenDatabase<Node>(example(tunedHere()), dataDir, count)
}
