// The client role: opens the documents database by address, puts documents, gets one back, runs a query,
// then syncs with the server and exits only when the server holds every write. Offline-first: the database
// and the writes live in DATA_DIR, so writes made while the server is down go out on the next run.
// Run it with `DB_ADDRESS=/orbitdb/… pnpm start:client`.
import { isValidAddress } from '@orbitdb/core'
import { dialWithRetry, parseServerAddress } from './dial.ts'
import { createNode, type NodeOptions } from './node.ts'
import { openDatabase, startOrbitDB, type Note } from './orbitdb.ts'
import { syncWithServer } from './replication.ts'
import { runClientRole } from './run/client.ts'
import type { OrbitDB } from '@orbitdb/core'

export interface ClientOptions {
  name: string
  dataDir: string
  identityKey?: string
  serverAddress: string
  dbAddress: string
  /** Documents to put this run (0: only read and sync). */
  writes: number
  dialDeadlineMs: number
  syncTimeoutMs: number
  /** The harness's speed-ups (src/tuned/), when TUNED=1. */
  bitswap?: NodeOptions['bitswap']
  tune?: (orbitdb: OrbitDB) => Promise<unknown>
}

export interface ClientReport {
  identity: string
  written: string[]
  /** IDs of every document this replica holds after the sync, sorted. */
  documentIds: string[]
  serverEntries: number
}

export async function runClient (options: ClientOptions, log = console.log): Promise<ClientReport> {
  const { name, dataDir } = options
  if (!isValidAddress(options.dbAddress)) {
    throw new Error(`malformed database address "${options.dbAddress}": expected /orbitdb/<manifest CID>`)
  }
  const serverAddress = parseServerAddress(options.serverAddress)
  const helia = await createNode({ dataDir, bitswap: options.bitswap })
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey: options.identityKey })
    .catch(async (err: Error) => { await helia.stop(); throw err })
  try {
    await options.tune?.(orbitdb)
    log(`${name}: identity ${orbitdb.identity.id}, peer ${helia.libp2p.peerId}`)
    const connecting = dialWithRetry(helia.libp2p, serverAddress, {
      deadlineMs: options.dialDeadlineMs,
      onRetry: (attempt, error, ms) => {
        log(`attempt ${attempt} to reach the server failed (${error.message}); retrying in ${ms} ms`)
      }
    })
    connecting.catch(() => {}) // awaited below, after the local work

    // opening needs the database manifest: from the local store after a first run, else from the server
    const db = await openDatabase<Note>(orbitdb, options.dbAddress, { timeoutMs: options.dialDeadlineMs })
    // OrbitDB emits replication failures as 'error' events; an EventEmitter would throw them unheard
    db.events.on('error', (err: Error) => log(`sync error: ${err.message.replaceAll('\n', ' ')}`))
    log(`opened ${db.name} (${db.address}), ${(await db.all()).length} documents stored locally`)

    // #region client
    const written: string[] = []
    const started = performance.now()
    for (let index = 0; index < options.writes; index++) {
      const text = `note ${index + 1} from ${name}`
      const note: Note = { _id: `${name}-${Date.now()}-${index}`, author: name, text, writtenAt: new Date().toJSON() }
      await db.put(note).catch((err: Error) => {
        if (!/not allowed to write/.test(err.message)) throw err
        const who = `identity ${orbitdb.identity.id}`
        throw new Error(`${who} may not write to ${db.address} (it is not in the access controller)`)
      })
      written.push(note._id)
    }
    if (written.length > 0) {
      log(`put ${written.length} documents in ${Math.round(performance.now() - started)} ms`)
      log(`get ${written[0]} → ${JSON.stringify((await db.get(written[0]!))?.value)}`)
      log(`query author == "${name}" → ${(await db.query(note => note.author === name)).length} documents`)
    }
    // #endregion

    // #region sync
    const { connection } = await connecting.catch((err: Error) => {
      if (written.length === 0) throw err
      const kept = `the ${written.length} documents written are kept in ${dataDir} and sync on the next run`
      throw new Error(`${err.message}; ${kept}`)
    })
    log(`connected to ${connection.remotePeer}; syncing`)
    const syncStarted = performance.now()
    const { serverEntries } = await syncWithServer(helia, connection.remotePeer, db, options.syncTimeoutMs)
    const documentIds = (await db.all()).map(document => document.key).sort()
    const ms = Math.round(performance.now() - syncStarted)
    const holds = `this replica has ${documentIds.length} documents`
    log(`synced in ${ms} ms: the server holds all ${serverEntries} entries; ${holds}`)
    return { identity: orbitdb.identity.id, written, documentIds, serverEntries }
    // #endregion
  } finally {
    await orbitdb.stop().finally(async () => helia.stop())
  }
}

if (import.meta.main) await runClientRole(runClient)
