// The server role: the always-on OrbitDB peer. It keeps its documents database (writable by itself and
// `writers`) and every database a client asked it to host open and replicated, on disk, across restarts;
// a database is hosted only for the writers or peers the operator allows (hosting-server.ts in
// @ipfs-liftoff/orbitdb-hosting).
// Run it with `pnpm start:server`; src/run/config.ts reads the environment variables.
import * as orbitdbCore from '@orbitdb/core'
import { hostingServer, type HostingLimits } from '@ipfs-liftoff/orbitdb-hosting/server'
import { createNode, type NodeOptions } from './node.ts'
import { createDocuments, openDatabase, startOrbitDB } from './orbitdb.ts'
import { serveHosting, type Host } from './replication.ts'
import { runServer } from './run/server.ts'
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'

export type { HostingLimits }

export interface ServerOptions {
  node: NodeOptions
  identityKey?: string
  dbName: string
  /** Identity IDs allowed to write besides the server's own. */
  writers: string[]
  /** Longest a client may ask the server to wait for its entries. */
  maxWaitMs: number
  hosting: HostingLimits
  /** Called with OrbitDB before any database opens (the harness's speed-ups: src/tuned/). */
  tune?: (orbitdb: OrbitDB) => Promise<unknown>
  log: (line: string) => void
  onAnswer?: Host['onAnswer']
  /** Each database as it opens (the harness counts its updates). */
  onOpen?: (db: DocumentsDatabase) => void
}

// #region start
export async function startServer (options: ServerOptions) {
  const { dataDir } = options.node
  const { maxWaitMs, onAnswer, onOpen, log } = options
  const helia = await createNode(options.node)
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey: options.identityKey })
  await options.tune?.(orbitdb)
  // every database it keeps, its own and the hosted: opened with the server's storage, shared with its writers
  const hosting = await hostingServer({
    orbitdb: orbitdbCore,
    openDatabase: async (address, storage) => openDatabase(orbitdb, address, storage),
    serveHosting
  }, helia, { dataDir, orbitdb, maxWaitMs, limits: options.hosting, onAnswer, onOpen, log })
  const db = await hosting.openOwn(await createDocuments(orbitdb, options.dbName, options.writers))
  await hosting.start() // reopens what it hosted before, then answers host requests
  return { helia, orbitdb, db, databases: hosting.databases, stop: hosting.stop }
}
// #endregion

export type StartedServer = Awaited<ReturnType<typeof startServer>>

if (import.meta.main) await runServer(startServer)
