// The server role: the always-on OrbitDB peer. It keeps its documents database (writable by itself and
// `writers`) and every database a client asked it to host open and replicated, on disk, across restarts;
// a database is hosted only for the writers or peers the operator allows (host-policy.ts in
// @ipfs-liftoff/orbitdb-hosting).
// Run it with `pnpm start:server`; src/run/config.ts reads the environment variables.
import { join } from 'node:path'
import { createNode, type NodeOptions } from './node.ts'
import { createDocuments, openDatabase, startOrbitDB } from './orbitdb.ts'
import * as orbitdbCore from '@orbitdb/core'
import {
  readHostedList, serverHosting, writeHostedList, type HostPolicy, type HostStorage
} from '@ipfs-liftoff/orbitdb-hosting/server'
import { HostRefusal, rememberAllowedWriters, serveHosting, type Host, type RequestLimits } from './replication.ts'
import { runServer } from './run/server.ts'
import type { DocumentsDatabase, LogEntry, OrbitDB } from '@orbitdb/core'

// the server's parts of the hosting module, bound to this example's OrbitDB
const { checkHosting, blockReader, hostStorage } = serverHosting(orbitdbCore)

export interface HostingLimits extends HostPolicy, RequestLimits {
  /** Databases hosted besides the server's own; beyond it host requests are refused. */
  maxHostedDatabases: number
}

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
  const { log, hosting } = options
  const helia = await createNode(options.node)
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey: options.identityKey })
  await options.tune?.(orbitdb)
  const databases = new Map<string, DocumentsDatabase>() // every open database: its own and the hosted
  const caches = new Map<string, HostStorage['cache']>()
  // the identity block an access controller has just fetched to allow a writer: the key its entries must name
  const readBlock = await blockReader(helia)
  const publicKeyOf = async (hash: string): Promise<string | undefined> => {
    const identity = await readBlock(hash)
    return typeof identity?.publicKey === 'string' ? identity.publicKey : undefined
  }
  const open = async (address: string): Promise<DocumentsDatabase> => {
    const { indexStorage, entryStorage, cache } = await hostStorage(orbitdb, helia, address)
    const db = await openDatabase(orbitdb, address, { indexStorage, entryStorage }).catch(async (err: Error) => {
      await Promise.all([indexStorage.close(), entryStorage.close()])
      throw err
    })
    caches.set(db.address, cache)
    databases.set(db.address, db)
    rememberAllowedWriters(db, publicKeyOf)
    options.onOpen?.(db)
    // OrbitDB reports sync failures as 'error' events; an EventEmitter would throw them unheard
    db.events.on('error', (err: Error) => log(`${db.name}: sync error: ${err.message.replaceAll('\n', ' ')}`))
    db.events.on('join', (peer: unknown) => log(`${db.name}: peer ${String(peer)} joined`))
    // pass on what it learns: entries from one peer's heads exchange were never published to the others
    db.events.on('update', (entry: LogEntry) => {
      db.sync.add(entry).catch((err: Error) => log(`${db.name}: could not announce ${entry.hash}: ${err.message}`))
    })
    return db
  }
  // #endregion

  // created first to learn its address (a hash of its name, type and writers), then opened with host storage
  const created = await createDocuments(orbitdb, options.dbName, options.writers)
  await created.close()
  const db = await open(created.address)
  const policy: HostPolicy = { writers: [...hosting.writers, orbitdb.identity.id], peers: hosting.peers }
  const hostedFile = join(dataDir, 'hosted.json')
  const hosted = await readHostedList(hostedFile)
  const hostedCount = (): number => databases.size - 1
  for (const { address, askedBy } of hosted) { // checked again: HOST_WRITERS may have changed since
    const full = hostedCount() >= hosting.maxHostedDatabases
    const refused = full
      ? `${hostedCount()} databases are hosted already (MAX_HOSTED_DATABASES)`
      : await checkHosting(helia, policy, address, askedBy).then(() => undefined, (err: Error) => err.message)
    if (refused !== undefined) log(`not reopening ${address}: ${refused}`)
    else await open(address)
  }
  // #region hosting
  const opening = new Map<string, Promise<DocumentsDatabase>>()
  const host: Host['host'] = async (address, asker) => {
    const known = databases.get(address) ?? opening.get(address)
    if (known !== undefined) return known
    if (hostedCount() + opening.size >= hosting.maxHostedDatabases) {
      const why = `this server hosts ${hostedCount()} databases already, its most (MAX_HOSTED_DATABASES)`
      throw new HostRefusal('hosting-cap', `${address} is not hosted here: ${why}`)
    }
    const opened = (async () => {
      await checkHosting(helia, policy, address, asker.toString())
      const db = await open(address)
      hosted.push({ address, askedBy: asker.toString() })
      await writeHostedList(hostedFile, hosted)
      log(`now hosting ${address} (${db.name}) for ${asker}`)
      return db
    })().finally(() => opening.delete(address))
    opening.set(address, opened)
    return opened
  }
  await serveHosting(helia, {
    host,
    hosted: address => databases.get(address),
    cache: async (address, hash, bytes) => caches.get(address)?.(hash, bytes),
    maxWaitMs: options.maxWaitMs,
    limits: hosting,
    onAnswer: options.onAnswer
  })
  // #endregion
  const stop = async (): Promise<void> => {
    await orbitdb.stop() // closes every open database
    await helia.stop()
  }
  return { helia, orbitdb, db, databases, stop }
}

export type StartedServer = Awaited<ReturnType<typeof startServer>>

if (import.meta.main) await runServer(startServer)
