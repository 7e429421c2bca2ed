// OrbitDB 4.x (peers/orbitdb/v4), on Helia 6 / libp2p 3: each case with the example's speed-ups (TUNED=1:
// src/tuned/, the rows the targets are set for) and beside it with the libraries' defaults.
import { parseServerAddress } from '../../peers/orbitdb/v4/src/dial.ts'
import { createNode, type Node } from '../../peers/orbitdb/v4/src/node.ts'
import { createDocuments, openDatabase, startOrbitDB } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { headsOf, waitForEntries } from '../../peers/orbitdb/v4/src/replication.ts'
import { tuning } from '../../peers/orbitdb/v4/src/run/tuning.ts'
import { benchOrbitdb, serveWrittenDatabase, profileOrbitdbPuts, profileOrbitdbReplication } from './orbitdb.ts'
import type { OrbitdbExample } from './orbitdb.ts'
import type { BenchResult, Scale } from './measure.ts'

/** The example's stack as its Node roles run it with TUNED=1 (`tuned`) or without. */
function stack (tuned: boolean): OrbitdbExample<Node> {
  const { bitswap, tune } = tuning(tuned)
  return {
    variant: tuned ? undefined : 'library defaults',
    writerEnv: { TUNED: tuned ? '1' : '0' },
    createNode: async options => createNode({ ...options, bitswap }),
    addressOf: node => node.libp2p.getMultiaddrs()[0]!.toString(),
    dial: async (from, address) => from.libp2p.dial(parseServerAddress(address)),
    startOrbitDB: async (node, options) => {
      const orbitdb = await startOrbitDB(node, options)
      await tune?.(orbitdb)
      return orbitdb
    },
    createDocuments: async (_node, orbitdb, name) => createDocuments(orbitdb, name, []),
    openDatabase: async (_node, orbitdb, address) => openDatabase(orbitdb, address),
    headsOf,
    waitForEntries
  }
}

export async function benchOrbitdbV4 (scale: Scale): Promise<BenchResult[]> {
  return benchOrbitdb<Node>('orbitdb-v4', [stack(true), stack(false)], scale)
}

export async function profileOrbitdbV4Puts (): Promise<string> {
  return profileOrbitdbPuts<Node>(stack(true))
}

export async function profileOrbitdbV4Replication (): Promise<string> {
  return profileOrbitdbReplication<Node>(stack(true))
}

/** The writer of the pair in a process of its own (scripts/bench/orbitdb-writer.ts); TUNED=1 as the reader. */
export async function serveOrbitdbV4Writer (dataDir: string, count: number): ReturnType<typeof serveWrittenDatabase> {
  return serveWrittenDatabase<Node>(stack(process.env.TUNED === '1'), dataDir, count)
}
