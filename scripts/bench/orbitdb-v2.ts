// OrbitDB 2.x (peers/orbitdb/v2), on Helia 4 / libp2p 1.9: each case with the example's speed-ups (TUNED=1:
// src/tuned/, native signatures and no Bitswap want-list wait: the rows the targets are set for) and beside it
// with the libraries' defaults.
import * as dial from '../../peers/orbitdb/v2/src/dial.ts'
import * as node from '../../peers/orbitdb/v2/src/node.ts'
import type { Node } from '../../peers/orbitdb/v2/src/node.ts'
import * as orbitdb from '../../peers/orbitdb/v2/src/orbitdb.ts'
import * as replication from '../../peers/orbitdb/v2/src/replication.ts'
import * as signatures from '../../peers/orbitdb/v2/src/tuned/signatures.ts'
import { tuning } from '../../peers/orbitdb/v2/src/run/tuning.ts'
import { orbitdbBenches, orbitdbStack } from './orbitdb.ts'
import type { OrbitdbExample } from './orbitdb.ts'

/** The example's modules the benchmarks use (the load's writers too: scripts/bench/load-worker.ts). */
export const modules = { ...node, ...dial, ...orbitdb, ...replication, ...signatures, tuning }

export const orbitdbV2 = orbitdbBenches('orbitdb-v2', (tuned): OrbitdbExample<Node> => orbitdbStack(
  modules,
  {
    createDocuments: async (helia, db, name) => orbitdb.createDocuments(helia, db, name, []),
    openDatabase: async (helia, db, address) => orbitdb.openDatabase(helia, db, address)
  },
  tuned
))
