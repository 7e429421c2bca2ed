// The client role: opens the documents database by address, puts documents, gets one back, runs a query,
// then syncs with the server and exits only when the server holds every write. Offline-first: the
// database and the writes live in DATA_DIR, so writes made while the server is down are kept and go out
// on the next run. Run it with `DB_ADDRESS=/orbitdb/… pnpm start:client`.
import { isValidAddress, type Document } from '@orbitdb/core'
import { readClientConfig, type ClientConfig } from './config.ts'
import { dialWithRetry, parseServerAddress } from './dial.ts'
import { createNode } from './node.ts'
import { openDatabase, startOrbitDB } from './orbitdb.ts'
import { syncWithServer } from './replication.ts'
import { useNativeSignatures } from './signatures.ts'

export interface Note extends Document {
  author: string
  text: string
  writtenAt: string
}

export interface ClientReport {
  identity: string
  written: string[]
  /** IDs of every document this replica holds after the sync, sorted. */
  documentIds: string[]
  serverEntries: number
}

type Log = (line: string) => void

export async function runClient (config: ClientConfig, log: Log = console.log): Promise<ClientReport> {
  if (!isValidAddress(config.dbAddress)) throw new Error(`malformed database address "${config.dbAddress}": expected /orbitdb/<manifest CID>`)
  const serverAddress = parseServerAddress(config.serverAddress)
  const helia = await createNode({ dataDir: config.dataDir })
  try {
    const orbitdb = await startOrbitDB(helia, { dataDir: config.dataDir, identityKey: config.identityKey })
    try {
      await useNativeSignatures(orbitdb)
      log(`${config.name}: identity ${orbitdb.identity.id}, peer ${helia.libp2p.peerId}`)
      const connecting = dialWithRetry(helia.libp2p, serverAddress, {
        deadlineMs: config.dialDeadlineMs,
        onRetry: (attempt, error, waitMs) => log(`attempt ${attempt} to reach the server failed (${error.message}); retrying in ${waitMs} ms`)
      })
      connecting.catch(() => {}) // awaited below, after the local work

      // Opening needs the database manifest: from the local store after a first run, else from the server.
      const db = await openDatabase<Note>(helia, orbitdb, config.dbAddress, { timeoutMs: config.dialDeadlineMs })
      // OrbitDB emits replication failures (a refused entry, a fetch cut short by stop) as 'error' events,
      // and an EventEmitter without an 'error' listener would throw them.
      db.events.on('error', (err: Error) => log(`sync error: ${err.message.replaceAll('\n', ' ')}`))
      log(`opened ${db.name} (${db.address}), ${(await db.all()).length} documents stored locally`)

      const written: string[] = []
      const started = performance.now()
      for (let index = 0; index < config.writes; index++) {
        const note: Note = { _id: `${config.name}-${Date.now()}-${index}`, author: config.name, text: `note ${index + 1} from ${config.name}`, writtenAt: new Date().toISOString() }
        await db.put(note).catch((err: Error) => {
          if (/not allowed to write/.test(err.message)) throw new Error(`identity ${orbitdb.identity.id} may not write to ${db.address} (it is not in the access controller)`)
          throw err
        })
        written.push(note._id)
      }
      if (written.length > 0) {
        log(`put ${written.length} documents in ${Math.round(performance.now() - started)} ms`)
        const first = await db.get(written[0]!)
        log(`get ${written[0]} → ${JSON.stringify(first?.value)}`)
        log(`query author == "${config.name}" → ${(await db.query(note => note.author === config.name)).length} documents`)
      }

      const { connection } = await connecting.catch((err: Error) => {
        throw new Error(`${err.message}${written.length > 0 ? `; the ${written.length} documents written are kept in ${config.dataDir} and sync on the next run` : ''}`)
      })
      log(`connected to ${connection.remotePeer}; syncing`)
      const syncStarted = performance.now()
      const { serverEntries } = await syncWithServer(helia, connection.remotePeer, db, config.syncTimeoutMs)
      const documentIds = (await db.all()).map(document => document.key).sort()
      log(`synced in ${Math.round(performance.now() - syncStarted)} ms: the server holds all ${serverEntries} entries; this replica has ${documentIds.length} documents`)
      return { identity: orbitdb.identity.id, written, documentIds, serverEntries }
    } finally {
      await orbitdb.stop()
    }
  } finally {
    await helia.stop()
  }
}

if (import.meta.main) {
  try {
    await runClient(readClientConfig())
  } catch (err) {
    console.error(`client: ${(err as Error).message}`)
    process.exitCode = 1
  }
  // libp2p 1.x leaves timers behind after stop(); the work is done, so leave now.
  process.exit()
}
