// The server role: the always-on OrbitDB peer. It keeps its documents database (writable by itself and the
// writers it is given) and every database a client asked it to host open and replicated, on disk, across
// restarts; a database is hosted only for the writers or peers the operator allows (hosting-server.ts in
// @ipfs-liftoff/orbitdb-hosting). Run it with `pnpm start:server`; src/run/config.ts lists the variables.
import * as orbitdbCore from '@orbitdb/core'
import { hostingServer, type HostingLimits } from '@ipfs-liftoff/orbitdb-hosting/server'
import { createNode, type NodeOptions } from './node.ts'
import { createDocuments, openDatabase, startOrbitDB } from './orbitdb.ts'
import { serveHosting, type Host } from './replication.ts'
import { runServer } from './run/server.ts'
import type { OrbitDB } from '@orbitdb/core'

export type { HostingLimits }

export interface ServerOptions {
  dataDir: string
  /** The name of the server's own documents database. */
  dbName: string
  /** Identity IDs allowed to write to it besides the server's own. */
  writers: string[]
  /** Hex secp256k1 key of the server's OrbitDB identity; when unset it is created in the keystore. */
  identityKey?: string
  /** Longest a client may ask the server to wait for its entries. */
  maxWaitMs: number
  hosting: HostingLimits
  /** The node's addresses, peer ID, limits, metrics and Bitswap settings (src/node.ts). */
  node?: Omit<NodeOptions, 'dataDir'>
  /** Called with OrbitDB before any database opens (the harness's speed-ups: src/tuned/). */
  tune?: (orbitdb: OrbitDB) => Promise<unknown>
  /** Each hosting request's answer (the harness counts them). */
  onAnswer?: Host['onAnswer']
  /** Each join of entries from a writer. */
  onUpdate?: () => void
}

// #region start
export async function startServer (options: ServerOptions, log: (line: string) => void = console.log) {
  const { dataDir, maxWaitMs, onAnswer } = options
  const helia = await createNode({ ...options.node, dataDir })
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey: options.identityKey })
  await options.tune?.(orbitdb)
  // every database it keeps, its own and the hosted: opened with the server's storage, shared with its writers
  const hosting = await hostingServer({
    orbitdb: orbitdbCore,
    openDatabase: async (address, storage) => openDatabase(helia, orbitdb, address, storage),
    serveHosting
  }, helia, {
    dataDir,
    orbitdb,
    maxWaitMs,
    limits: options.hosting,
    onAnswer,
    log,
    onOpen: db => db.events.on('update', () => options.onUpdate?.())
  })
  const db = await hosting.openOwn(await createDocuments(helia, orbitdb, options.dbName, options.writers))
  await hosting.start() // reopens what it hosted before, then answers host requests
  return { helia, orbitdb, db, databases: hosting.databases, stop: hosting.stop }
}
// #endregion

export type Server = Awaited<ReturnType<typeof startServer>>

if (import.meta.main) await runServer(startServer)
