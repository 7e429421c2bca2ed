// The server role: the always-on OrbitDB peer. It keeps its documents database (writable by itself and the
// writers it is given) and every database a client asked it to host (src/hosting.ts) open and replicated, on
// disk, across restarts. Run it with `pnpm start:server`; src/run/config.ts lists the environment variables.
import * as orbitdbCore from '@orbitdb/core'
import { serverHosting } from '@ipfs-liftoff/orbitdb-hosting/server'
import { hosting, type HostingOptions } from './hosting.ts'
import { createNode, type NodeOptions } from './node.ts'
import { createDocuments, startOrbitDB } from './orbitdb.ts'
import { rememberAllowedWriters, type Host } from './replication.ts'
import { runServer } from './run/server.ts'
import type { DocumentsDatabase, LogEntry, OrbitDB } from '@orbitdb/core'

// the server's parts of the hosting module, bound to this example's OrbitDB
const { blockReader } = serverHosting(orbitdbCore)

export type { HostingOptions }

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
  hosting: HostingOptions
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
  const { dataDir } = options
  const helia = await createNode({ ...options.node, dataDir })
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey: options.identityKey })
  await options.tune?.(orbitdb)
  // the identity block an access controller has just fetched to allow a writer: the key its entries must name
  const readBlock = await blockReader(helia)
  const publicKeyOf = async (identityHash: string): Promise<string | undefined> => {
    const identity = await readBlock(identityHash)
    return typeof identity?.publicKey === 'string' ? identity.publicKey : undefined
  }
  const databases = new Map<string, DocumentsDatabase>()
  const watch = (db: DocumentsDatabase): void => {
    databases.set(db.address, db)
    rememberAllowedWriters(db, publicKeyOf)
    // entries from identities the access controller does not list are refused, never stored
    db.events.on('error', (err: Error) => log(`${db.name}: sync error: ${err.message.replaceAll('\n', ' ')}`))
    db.events.on('join', (peer: unknown) => log(`${db.name}: peer ${String(peer)} joined`))
    db.events.on('update', () => options.onUpdate?.())
    // the always-on peer passes on what it learns: entries one peer brought in a heads exchange were never
    // published to the others, so announce each update on the database's topic again
    db.events.on('update', (entry: LogEntry) => {
      db.sync.add(entry).catch((err: Error) => log(`${db.name}: could not announce ${entry.hash}: ${err.message}`))
    })
  }
  const { maxWaitMs, onAnswer } = options
  const hosts = hosting(helia, orbitdb, { dataDir, maxWaitMs, limits: options.hosting, onAnswer }, log)
  // its address is a hash of its name, type and writers: created first to learn it, then opened by address
  // with the server's storage, as every hosted database is
  const created = await createDocuments(helia, orbitdb, options.dbName, options.writers)
  await created.close()
  const db = await hosts.open(created.address)
  watch(db)
  await hosts.start(watch, databases)
  const stop = async (): Promise<void> => {
    await orbitdb.stop() // closes every open database
    await helia.stop()
  }
  return { helia, orbitdb, db, databases, stop }
}
// #endregion

export type Server = Awaited<ReturnType<typeof startServer>>

if (import.meta.main) await runServer(startServer)
