// OrbitDB 4.x (peers/orbitdb/v4), on Helia 6 / libp2p 3: each case with the example's speed-ups (TUNED=1:
// src/tuned/, the rows the targets are set for) and beside it with the libraries' defaults.
import * as dial from '../../peers/orbitdb/v4/src/dial.ts'
import * as node from '../../peers/orbitdb/v4/src/node.ts'
import type { Node } from '../../peers/orbitdb/v4/src/node.ts'
import * as orbitdb from '../../peers/orbitdb/v4/src/orbitdb.ts'
import * as replication from '../../peers/orbitdb/v4/src/replication.ts'
import * as signatures from '../../peers/orbitdb/v4/src/tuned/signatures.ts'
import { tuning } from '../../peers/orbitdb/v4/src/run/tuning.ts'
import { orbitdbBenches, orbitdbStack } from './orbitdb.ts'
import type { OrbitdbExample } from './orbitdb.ts'

/** The example's modules the benchmarks use (the load's writers too: scripts/bench/load-worker.ts). */
export const modules = { ...node, ...dial, ...orbitdb, ...replication, ...signatures, tuning }

export const orbitdbV4 = orbitdbBenches('orbitdb-v4', (tuned): OrbitdbExample<Node> => orbitdbStack(
  modules,
  {
    createDocuments: async (_node, db, name) => orbitdb.createDocuments(db, name, []),
    openDatabase: async (_node, db, address) => orbitdb.openDatabase(db, address)
  },
  tuned
))
