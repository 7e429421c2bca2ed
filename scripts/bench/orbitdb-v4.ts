// OrbitDB 4.x (peers/orbitdb/v4), on Helia 6 / libp2p 3.
import { parseServerAddress } from '../../peers/orbitdb/v4/src/dial.ts'
import { createNode, type Node } from '../../peers/orbitdb/v4/src/node.ts'
import { createDocuments, openDatabase, startOrbitDB } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { headsOf, waitForEntries } from '../../peers/orbitdb/v4/src/replication.ts'
import { useNativeSignatures } from '../../peers/orbitdb/v4/src/signatures.ts'
import { benchOrbitdb, serveWrittenDatabase, profileOrbitdbPuts, profileOrbitdbReplication, type OrbitdbExample } from './orbitdb.ts'
import type { BenchResult, Scale } from './measure.ts'

const example: OrbitdbExample<Node> = {
  createNode,
  addressOf: node => node.libp2p.getMultiaddrs()[0]!.toString(),
  dial: async (from, address) => from.libp2p.dial(parseServerAddress(address)),
  // as the example's Node roles run it: entries signed and checked natively
  startOrbitDB: async (node, options) => useNativeSignatures(await startOrbitDB(node, options)),
  createDocuments: async (_node, orbitdb, name) => createDocuments(orbitdb, name, []),
  openDatabase: async (_node, orbitdb, address) => openDatabase(orbitdb, address),
  headsOf,
  waitForEntries
}

export async function benchOrbitdbV4 (scale: Scale): Promise<BenchResult[]> {
  return benchOrbitdb<Node>('orbitdb-v4', example, scale)
}

export async function profileOrbitdbV4Puts (): Promise<string> {
  return profileOrbitdbPuts<Node>(example)
}

export async function profileOrbitdbV4Replication (): Promise<string> {
  return profileOrbitdbReplication<Node>(example)
}

/** The writer of the pair in a process of its own (scripts/bench/orbitdb-writer.ts). */
export async function serveOrbitdbV4Writer (dataDir: string, count: number): ReturnType<typeof serveWrittenDatabase> {
  return serveWrittenDatabase<Node>(example, dataDir, count)
}
