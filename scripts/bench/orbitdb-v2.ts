// OrbitDB 2.x (peers/orbitdb/v2), on Helia 4 / libp2p 1.9.
import { parseServerAddress } from '../../peers/orbitdb/v2/src/dial.ts'
import { createNode, type Node } from '../../peers/orbitdb/v2/src/node.ts'
import { createDocuments, openDatabase, startOrbitDB } from '../../peers/orbitdb/v2/src/orbitdb.ts'
import { headsOf, waitForEntries } from '../../peers/orbitdb/v2/src/replication.ts'
import { useNativeSignatures } from '../../peers/orbitdb/v2/src/signatures.ts'
import { benchOrbitdb, serveWrittenDatabase, profileOrbitdbPuts, profileOrbitdbReplication, type OrbitdbExample } from './orbitdb.ts'
import type { BenchResult, Scale } from './measure.ts'

const example: OrbitdbExample<Node> = {
  createNode,
  addressOf: node => node.libp2p.getMultiaddrs()[0]!.toString(),
  dial: async (from, address) => from.libp2p.dial(parseServerAddress(address)),
  // as the example's Node roles run it: entries signed and checked natively
  startOrbitDB: async (node, options) => useNativeSignatures(await startOrbitDB(node, options)),
  createDocuments: async (node, orbitdb, name) => createDocuments(node, orbitdb, name, []),
  openDatabase: async (node, orbitdb, address) => openDatabase(node, orbitdb, address),
  headsOf,
  waitForEntries
}

export async function benchOrbitdbV2 (scale: Scale): Promise<BenchResult[]> {
  return benchOrbitdb<Node>('orbitdb-v2', example, scale)
}

export async function profileOrbitdbV2Puts (): Promise<string> {
  return profileOrbitdbPuts<Node>(example)
}

export async function profileOrbitdbV2Replication (): Promise<string> {
  return profileOrbitdbReplication<Node>(example)
}

/** The writer of the pair in a process of its own (scripts/bench/orbitdb-writer.ts). */
export async function serveOrbitdbV2Writer (dataDir: string, count: number): ReturnType<typeof serveWrittenDatabase> {
  return serveWrittenDatabase<Node>(example, dataDir, count)
}
