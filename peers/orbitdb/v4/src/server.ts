// The server role: the always-on OrbitDB peer. It keeps its documents database (writable by itself and
// WRITERS) and every database a client asked it to host open and replicated, on disk, across restarts: a
// database is hosted only for the writers or peers the operator allows (src/host-policy.ts), at most
// MAX_HOSTED_DATABASES of them.
// Run it with `pnpm start:server`; see src/config.ts for the environment variables.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { readServerConfig, type ServerConfig } from './config.ts'
import { decodePrivateKey, loadOrCreatePrivateKey } from './identity.ts'
import { createNode, type Node } from './node.ts'
import { createDocuments, openDatabase, startOrbitDB } from './orbitdb.ts'
import { hostStorage, type HostStorage } from './host-storage.ts'
import { serveMetrics, serverMetrics } from './metrics.ts'
import { checkHosting, blockReader, type HostPolicy } from './host-policy.ts'
import { HostRefusal, rememberAllowedWriters, serveHosting } from './replication.ts'
import { useNativeSignatures } from './signatures.ts'
import type { Document, DocumentsDatabase, LogEntry, OrbitDB } from '@orbitdb/core'
import type { PeerId } from '@libp2p/interface'

export interface Ready {
  peerId: string
  multiaddrs: string[]
  /** The documents database's address: give it to clients as DB_ADDRESS. */
  address: string
  /** The server's OrbitDB identity ID. */
  identity: string
  /** The URL Prometheus scrapes, when METRICS_LISTEN is set. */
  metrics?: string
}

export interface RunningServer {
  helia: Node
  orbitdb: OrbitDB
  db: DocumentsDatabase
  /** Every open database by address: the server's own and the hosted ones. */
  databases: Map<string, DocumentsDatabase>
  ready: Ready
  stop: () => Promise<void>
}

/** A database the server hosts (hosted.json), and the peer that asked (for HOST_PEERS at the next start). */
interface HostedDatabase {
  address: string
  askedBy?: string
}

async function readHostedList (file: string): Promise<HostedDatabase[]> {
  let list: unknown
  try {
    list = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON list of hosted databases`)
  // earlier versions wrote addresses only
  return list.map(item => typeof item === 'string' ? { address: item } : item as HostedDatabase)
}

async function writeHostedList (file: string, hosted: HostedDatabase[]): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(hosted, null, 2) + '\n')
  await rename(`${file}.tmp`, file) // atomic: a crash never leaves half a list
}

export async function startServer (config: ServerConfig, log: (line: string) => void = console.log): Promise<RunningServer> {
  const privateKey = config.privateKey !== undefined ? decodePrivateKey(config.privateKey) : await loadOrCreatePrivateKey(config.keyFile)
  await rm(config.readyFile, { force: true })
  const databases = new Map<string, DocumentsDatabase>()
  const metrics = config.metrics === undefined ? undefined : serverMetrics(databases)
  const helia = await createNode({ metricsRegistry: metrics?.registry, dataDir: config.dataDir, privateKey, listen: config.listen, announce: config.announce, connectionManager: { maxConnections: config.limits.maxConnections, maxIncomingPendingConnections: config.limits.maxPendingConnections, inboundConnectionThreshold: config.limits.inboundConnectionsPerSecond } })
  const orbitdb = await startOrbitDB(helia, { dataDir: config.dataDir, identityKey: config.identityKey })
  await useNativeSignatures(orbitdb)
  // the identity block an access controller has just fetched to allow a writer: the key its entries must name
  const readBlock = await blockReader(helia)
  const publicKeyOf = async (identityHash: string): Promise<string | undefined> => {
    const identity = await readBlock(identityHash)
    return typeof identity?.publicKey === 'string' ? identity.publicKey : undefined
  }
  const watch = (db: DocumentsDatabase): DocumentsDatabase => {
    databases.set(db.address, db)
    rememberAllowedWriters(db, publicKeyOf)
    // OrbitDB reports sync failures as 'error' events (refused entries it only logs, in 4.x); without an
    // 'error' listener, an EventEmitter would throw them.
    db.events.on('error', (err: Error) => log(`${db.name}: sync error: ${err.message.replaceAll('\n', ' ')}`))
    db.events.on('join', (peer: unknown) => log(`${db.name}: peer ${String(peer)} joined`))
    // The always-on peer passes on what it learns. Entries it got from one peer in a heads exchange (a peer
    // back from being offline, say) were never published to the others, who would otherwise learn of them
    // only at their own next write or reconnect: announce each update on the database's topic again.
    db.events.on('update', () => metrics?.updates.inc())
    db.events.on('update', (entry: LogEntry) => { db.sync.add(entry).catch((err: Error) => log(`${db.name}: could not announce ${entry.hash}: ${err.message}`)) })
    return db
  }

  // every database with the server's storage (src/host-storage.ts): opened by address, so the server's own
  // is created first to learn its address (a hash of its name, type and writers)
  const caches = new Map<string, HostStorage['cache']>()
  const openWithHostStorage = async (address: string): Promise<DocumentsDatabase> => {
    const { indexStorage, entryStorage, cache } = await hostStorage(orbitdb, helia, address)
    const opened = await openDatabase(orbitdb, address, { indexStorage, entryStorage }).catch(async (err: Error) => {
      await Promise.all([indexStorage.close(), entryStorage.close()])
      throw err
    })
    caches.set(opened.address, cache)
    return opened
  }
  const created = await createDocuments(orbitdb, config.dbName, config.writers)
  await created.close()
  const db = watch(await openWithHostStorage(created.address))
  const policy: HostPolicy = { writers: [...config.hosting.writers, orbitdb.identity.id], peers: config.hosting.peers }
  const hostedFile = join(config.dataDir, 'hosted.json')
  const hosted = await readHostedList(hostedFile)
  const hostedCount = (): number => databases.size - 1
  // checked again at each start: a list written by an earlier version, or before HOST_WRITERS changed, may
  // name databases this server would no longer host
  for (const { address, askedBy } of hosted) {
    if (hostedCount() >= config.hosting.maxHostedDatabases) {
      log(`not reopening ${address}: ${hostedCount()} databases are hosted already (MAX_HOSTED_DATABASES)`)
      continue
    }
    const refused = await checkHosting(helia, policy, address, askedBy).then(() => undefined, (err: Error) => err.message)
    if (refused !== undefined) log(`not reopening ${address}: ${refused}`)
    else watch(await openWithHostStorage(address))
  }

  const opening = new Map<string, Promise<DocumentsDatabase>>()
  const host = async (address: string, asker: PeerId): Promise<DocumentsDatabase> => {
    const open = databases.get(address) ?? opening.get(address)
    if (open !== undefined) return open
    if (hostedCount() + opening.size >= config.hosting.maxHostedDatabases) {
      throw new HostRefusal('hosting-cap', `${address} is not hosted here: this server hosts ${hostedCount()} databases already, its most (MAX_HOSTED_DATABASES)`)
    }
    const hosting = (async () => {
      await checkHosting(helia, policy, address, asker.toString())
      const opened = await openWithHostStorage(address)
      watch(opened)
      hosted.push({ address, askedBy: asker.toString() })
      await writeHostedList(hostedFile, hosted)
      log(`now hosting ${address} (${opened.name}) for ${asker}`)
      return opened
    })().finally(() => opening.delete(address))
    opening.set(address, hosting)
    return hosting
  }
  await serveHosting(helia, {
    host,
    hosted: address => databases.get(address),
    cache: async (address, hash, bytes) => caches.get(address)?.(hash, bytes),
    maxWaitMs: config.maxWaitMs,
    limits: config.hosting,
    onAnswer: (peer, request, response, refusal) => {
      metrics?.hostRequests.inc({ op: request?.op ?? 'unread', outcome: response.ok ? 'ok' : 'error' })
      if (refusal !== undefined) metrics?.hostRefusals.inc({ reason: refusal })
      // only databases kept open get a series: at most MAX_HOSTED_DATABASES and the server's own
      if (request?.op === 'await' && response.ok && databases.has(response.address)) metrics?.confirmedEntries.set({ database: response.address }, response.entries)
      log(`${request?.op ?? 'request'} ${request?.address ?? ''} for ${peer}: ${response.ok ? `holds ${response.entries} entries` : `${refusal === undefined ? '' : `refused (${refusal}): `}${response.error}`}`)
    }
  })
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  if (metrics !== undefined && config.metrics !== undefined) {
    metricsServer = await serveMetrics(metrics.registry, config.metrics.host, config.metrics.port).catch(async (err: Error) => {
      await orbitdb.stop()
      await helia.stop()
      throw new Error(`METRICS_LISTEN ${config.metrics?.host}:${config.metrics?.port}: ${err.message}`)
    })
  }

  const ready: Ready = {
    peerId: helia.libp2p.peerId.toString(),
    multiaddrs: helia.libp2p.getMultiaddrs().map(address => address.toString()),
    address: db.address,
    identity: orbitdb.identity.id,
    ...(metricsServer === undefined ? {} : { metrics: metricsServer.url })
  }
  await mkdir(dirname(config.readyFile), { recursive: true })
  await writeFile(config.readyFile, JSON.stringify(ready) + '\n')
  return {
    helia,
    orbitdb,
    db,
    databases,
    ready,
    stop: async () => {
      await metricsServer?.close()
      await orbitdb.stop() // closes every open database
      await helia.stop()
      await rm(config.readyFile, { force: true })
    }
  }
}

const STOP_DEADLINE_MS = 10_000

if (import.meta.main) {
  let server: RunningServer | undefined
  // Installed before start-up so a signal at any moment gets a clean exit, not Node's default.
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(server?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: Error) => {
      console.error(`server: stop failed: ${err.message}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    server = await startServer(readServerConfig())
    const entries = (await server.db.all()).length
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`OrbitDB server ${server.ready.peerId} (identity ${server.ready.identity}) is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`documents database ${server.ready.address}: ${entries} documents; writers ${server.db.access.write.join(', ')}`)
    console.log(`hosting ${server.databases.size - 1} more database(s)`)
  } catch (err) {
    console.error(`server: ${(err as Error).message}`)
    process.exit(1)
  }
}
