// What a hosting server does with databases, for both majors: every database it keeps opens with the server's
// storage (host-storage.ts), takes entries only from allowed writers signing with their own key, and passes on what
// it learns; the ones clients asked for are listed in hosted.json and reopened at each start if the operator still
// allows them (host-policy.ts); the hosting protocol is served for them, at most `maxHostedDatabases` besides its own.
import { join } from 'node:path'
import { blockReader, checkHosting, type BlockNode, type HostPolicy } from './host-policy.ts'
import { hostStorage, type HostStorage } from './host-storage.ts'
import { readHostedList, writeHostedList } from './hosted-list.ts'
import { HostRefusal, rememberAllowedWriters, type Host, type RequestLimits } from './replication.ts'
import type { OrbitDBFunctions, PeerLike } from './major.ts'
import type { DocumentsDatabase, LogEntry, Storage } from './orbitdb.ts'
import type { QuietBlocks } from './quiet-blockstore.ts'

export interface HostingLimits extends HostPolicy, RequestLimits {
  /** Databases hosted besides the server's own; beyond it host requests are refused. */
  maxHostedDatabases: number
}

/** What the hosting takes from one example: its OrbitDB functions, how it opens a database, its protocol. */
export interface HostingMajor<N, P extends PeerLike> {
  orbitdb: OrbitDBFunctions
  /** Opens the database at `address` with the server's storages (the example's openDatabase). */
  openDatabase: (
    address: string, storage: { indexStorage: Storage, entryStorage: Storage }
  ) => Promise<DocumentsDatabase>
  /** The hosting protocol's server side, bound to the example's libp2p (its src/replication.ts). */
  serveHosting: (helia: N, host: Host<P>) => Promise<void>
}

export interface HostingOptions<P extends PeerLike> {
  dataDir: string
  /** The server's OrbitDB: its identity always may write, its directory holds the databases' indexes. */
  orbitdb: { identity: { id: string }, directory: string, stop: () => Promise<void> }
  maxWaitMs: number
  limits: HostingLimits
  /** Each hosting request's answer (the harness counts them). */
  onAnswer?: Host<P>['onAnswer']
  /** Each database as it opens (the harness counts its updates). */
  onOpen?: (db: DocumentsDatabase) => void
  log: (line: string) => void
}

export interface HostingServer {
  /** Every database the server keeps open, by address: its own and the hosted. */
  databases: Map<string, DocumentsDatabase>
  /** Opens the database at `address` with the server's storage and keeps it open. */
  open: (address: string) => Promise<DocumentsDatabase>
  /**
   * The server's own database, just created (its address is a hash of its name, type and writers): closed and
   * opened again by address with the server's storage, as every hosted database is.
   */
  openOwn: (created: DocumentsDatabase) => Promise<DocumentsDatabase>
  /** Reopens what hosted.json lists (if still allowed), then serves the hosting protocol. */
  start: () => Promise<void>
  /** Closes every database (OrbitDB's stop), then stops the node. */
  stop: () => Promise<void>
}

/** A Helia node the hosting can read, delete and stop. */
type HostingNode = BlockNode & QuietBlocks & { stop: () => Promise<void> }

export async function hostingServer<N extends HostingNode, P extends PeerLike> (
  major: HostingMajor<N, P>, helia: N, options: HostingOptions<P>
): Promise<HostingServer> {
  const { log, limits, orbitdb } = options
  const databases = new Map<string, DocumentsDatabase>()
  const caches = new Map<string, HostStorage['cache']>()
  // the identity block an access controller has just fetched to allow a writer: the key its entries must name
  const readBlock = await blockReader(major.orbitdb, helia)
  const publicKeyOf = async (identityHash: string): Promise<string | undefined> => {
    const identity = await readBlock(identityHash)
    return typeof identity?.publicKey === 'string' ? identity.publicKey : undefined
  }
  const open = async (address: string): Promise<DocumentsDatabase> => {
    const { indexStorage, entryStorage, cache } = await hostStorage(major.orbitdb, orbitdb, helia, address)
    const db = await major.openDatabase(address, { indexStorage, entryStorage }).catch(async (err: Error) => {
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
    // pass on what it learns: entries one peer brought in a heads exchange were never published to the others
    db.events.on('update', (entry: LogEntry) => {
      db.sync.add(entry).catch((err: Error) => log(`${db.name}: could not announce ${entry.hash}: ${err.message}`))
    })
    return db
  }
  const start = async (): Promise<void> => {
    const policy: HostPolicy = { writers: [...limits.writers, orbitdb.identity.id], peers: limits.peers }
    const hostedFile = join(options.dataDir, 'hosted.json')
    const hosted = await readHostedList(hostedFile)
    const hostedCount = (): number => databases.size - 1
    // checked again at each start: HOST_WRITERS may have changed since a database was asked for
    for (const { address, askedBy } of hosted) {
      const refused = hostedCount() >= limits.maxHostedDatabases
        ? `${hostedCount()} databases are hosted already (MAX_HOSTED_DATABASES)`
        : await checkHosting(major.orbitdb, helia, policy, address, askedBy)
          .then(() => undefined, (err: Error) => err.message)
      if (refused !== undefined) log(`not reopening ${address}: ${refused}`)
      else await open(address)
    }
    // #region host
    const opening = new Map<string, Promise<DocumentsDatabase>>()
    const host = async (address: string, asker: P): Promise<DocumentsDatabase> => {
      const known = databases.get(address) ?? opening.get(address)
      if (known !== undefined) return known
      if (hostedCount() + opening.size >= limits.maxHostedDatabases) {
        const most = `this server hosts ${hostedCount()} databases already, its most (MAX_HOSTED_DATABASES)`
        throw new HostRefusal('hosting-cap', `${address} is not hosted here: ${most}`)
      }
      const opened = (async () => {
        await checkHosting(major.orbitdb, helia, policy, address, asker.toString())
        const db = await open(address)
        hosted.push({ address, askedBy: asker.toString() })
        await writeHostedList(hostedFile, hosted)
        log(`now hosting ${address} (${db.name}) for ${asker.toString()}`)
        return db
      })().finally(() => opening.delete(address))
      opening.set(address, opened)
      return opened
    }
    // #endregion
    await major.serveHosting(helia, {
      host,
      hosted: address => databases.get(address),
      cache: async (address, hash, bytes) => caches.get(address)?.(hash, bytes),
      maxWaitMs: options.maxWaitMs,
      limits,
      onAnswer: (peer, request, response, refusal) => {
        options.onAnswer?.(peer, request, response, refusal)
        const outcome = response.ok
          ? `holds ${response.entries} entries`
          : `${refusal === undefined ? '' : `refused (${refusal}): `}${response.error}`
        log(`${request?.op ?? 'request'} ${request?.address ?? ''} for ${peer.toString()}: ${outcome}`)
      }
    })
  }
  const openOwn = async (created: DocumentsDatabase): Promise<DocumentsDatabase> => {
    await created.close()
    return open(created.address)
  }
  const stop = async (): Promise<void> => {
    await orbitdb.stop() // closes every open database
    await helia.stop()
  }
  return { databases, open, openOwn, start, stop }
}
