// The server's hosting: every database it keeps opens with the server's storage (host-storage.ts in
// @ipfs-liftoff/orbitdb-hosting/server), the ones clients asked for are listed in hosted.json and reopened at
// each start, and the hosting protocol (src/replication.ts) is served for them. A database is hosted only for
// the writers or peers the operator allows (its host-policy.ts), at most `maxHostedDatabases` of them.
import { join } from 'node:path'
import * as orbitdbCore from '@orbitdb/core'
import {
  readHostedList, serverHosting, writeHostedList, type HostPolicy, type HostStorage
} from '@ipfs-liftoff/orbitdb-hosting/server'
import { openDatabase } from './orbitdb.ts'
import { HostRefusal, serveHosting, type Host, type RequestLimits } from './replication.ts'
import type { Node } from './node.ts'
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'
import type { PeerId } from '@libp2p/interface'

// the server's parts of the hosting module, bound to this example's OrbitDB
const { checkHosting, hostStorage } = serverHosting(orbitdbCore)

export interface HostingOptions extends RequestLimits {
  /** Identity IDs: a database whose write list names one is hosted ("*": every database). */
  writers: string[]
  /** Peer IDs whose host requests are honoured whatever the database. */
  peers: string[]
  /** Databases hosted besides the server's own. */
  maxHostedDatabases: number
}

export interface Hosting {
  /** Opens a database by address with the server's storage. */
  open: (address: string) => Promise<DocumentsDatabase>
  /** Reopens what hosted.json lists (if still allowed), then serves the hosting protocol. */
  start: (watch: (db: DocumentsDatabase) => void, databases: Map<string, DocumentsDatabase>) => Promise<void>
}

export function hosting (
  helia: Node, orbitdb: OrbitDB,
  options: { dataDir: string, maxWaitMs: number, limits: HostingOptions, onAnswer?: Host['onAnswer'] },
  log: (line: string) => void
): Hosting {
  const caches = new Map<string, HostStorage['cache']>()
  const open = async (address: string): Promise<DocumentsDatabase> => {
    const { indexStorage, entryStorage, cache } = await hostStorage(orbitdb, helia, address)
    const opened = await openDatabase(helia, orbitdb, address, { indexStorage, entryStorage })
      .catch(async (err: Error) => {
        await Promise.all([indexStorage.close(), entryStorage.close()])
        throw err
      })
    caches.set(opened.address, cache)
    return opened
  }
  const start = async (watch: (db: DocumentsDatabase) => void, databases: Map<string, DocumentsDatabase>) => {
    const { limits } = options
    const policy: HostPolicy = { writers: [...limits.writers, orbitdb.identity.id], peers: limits.peers }
    const hostedFile = join(options.dataDir, 'hosted.json')
    const hosted = await readHostedList(hostedFile)
    const hostedCount = (): number => databases.size - 1
    // checked again at each start: a list written by an earlier version, or before HOST_WRITERS changed, may
    // name databases this server would no longer host
    for (const { address, askedBy } of hosted) {
      if (hostedCount() >= limits.maxHostedDatabases) {
        log(`not reopening ${address}: ${hostedCount()} databases are hosted already (MAX_HOSTED_DATABASES)`)
        continue
      }
      const refused = await checkHosting(helia, policy, address, askedBy)
        .then(() => undefined, (err: Error) => err.message)
      if (refused !== undefined) log(`not reopening ${address}: ${refused}`)
      else watch(await open(address))
    }

    const opening = new Map<string, Promise<DocumentsDatabase>>()
    const host = async (address: string, asker: PeerId): Promise<DocumentsDatabase> => {
      const already = databases.get(address) ?? opening.get(address)
      if (already !== undefined) return already
      if (hostedCount() + opening.size >= limits.maxHostedDatabases) {
        const most = `this server hosts ${hostedCount()} databases already, its most (MAX_HOSTED_DATABASES)`
        throw new HostRefusal('hosting-cap', `${address} is not hosted here: ${most}`)
      }
      const hosting = (async () => {
        await checkHosting(helia, policy, address, asker.toString())
        const opened = await open(address)
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
      maxWaitMs: options.maxWaitMs,
      limits,
      onAnswer: (peer, request, response, refusal) => {
        options.onAnswer?.(peer, request, response, refusal)
        const outcome = response.ok
          ? `holds ${response.entries} entries`
          : `${refusal === undefined ? '' : `refused (${refusal}): `}${response.error}`
        log(`${request?.op ?? 'request'} ${request?.address ?? ''} for ${peer}: ${outcome}`)
      }
    })
  }
  return { open, start }
}
