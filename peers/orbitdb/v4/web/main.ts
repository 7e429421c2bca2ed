// Shared notes, offline first: ?server=<the Node peer's /ws multiaddr>&db=<the /orbitdb/… address>
// [&name=<this app's local store name>][&identity=<hex identity key>]. Notes are written to the local
// replica (IndexedDB) whether or not the server is reachable; whenever it is, the app syncs both ways with
// /liftoff/orbitdb-host/1.0.0, as the Node client does, and OrbitDB keeps replicating live over gossipsub.
import { isValidAddress, type DocumentsDatabase } from '@orbitdb/core'
import { multiaddr } from '@multiformats/multiaddr'
import { openDatabase, startOrbitDB, type Note } from '../src/orbitdb.ts'
import { syncWithServer } from '../src/replication.ts'
import { createBrowserNode } from './browser-node.ts'

const element = (id: string): HTMLElement => document.getElementById(id)!
const show = (id: string, text: string): void => { element(id).textContent = text }
const setState = (state: string, text = state): void => {
  element('state').dataset.state = state
  element('state').textContent = text
}

const RETRY_MS = 2_000
const query = new URLSearchParams(location.search)
const server = query.get('server')
const address = query.get('db')
const name = query.get('name') ?? 'notes'

async function render (db: DocumentsDatabase<Note>): Promise<void> {
  const notes = (await db.all()).map(document => document.value)
    .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt) || a._id.localeCompare(b._id))
  element('notes').replaceChildren(...notes.map(note => {
    const item = document.createElement('li')
    item.textContent = `${note.author}: ${note.text}`
    return item
  }))
  element('notes').dataset.count = String(notes.length)
}

async function start (serverAddress: string, dbAddress: string): Promise<void> {
  const helia = await createBrowserNode(`liftoff-orbitdb-${name}`)
  const identityKey = query.get('identity') ?? undefined
  const orbitdb = await startOrbitDB(helia, { dataDir: `liftoff-orbitdb-${name}`, identityKey })
  show('identity', orbitdb.identity.id)
  const target = multiaddr(serverAddress)
  let serverPeer: string | undefined

  // Connecting runs beside opening: on a first visit the database's manifest can only come from the server.
  const opened: { db?: DocumentsDatabase<Note> } = {} // the database once open
  const connect = async (): Promise<void> => {
    try {
      setState(opened.db === undefined ? 'opening' : 'syncing', 'connecting to the server')
      const connection = await helia.libp2p.dial(target, { signal: AbortSignal.timeout(5_000) })
      serverPeer = connection.remotePeer.toString()
      if (opened.db === undefined) return // start() syncs once the database is open
      await sync()
    } catch (err) {
      const why = (err as Error).message
      show('sync', `the server is unreachable (${why}); notes are kept here and sync when it is back`)
      setState('offline', 'offline: writes stay in this browser')
      setTimeout(() => { connect().catch(() => {}) }, RETRY_MS)
    }
  }
  const sync = async (): Promise<void> => {
    const db = opened.db
    if (db === undefined || serverPeer === undefined) return
    setState('syncing')
    const started = performance.now()
    const connection = helia.libp2p.getConnections().find(connection => connection.remotePeer.toString() === serverPeer)
    if (connection === undefined) throw new Error('not connected to the server')
    const { serverEntries } = await syncWithServer(helia, connection.remotePeer, db, 30_000)
    const ms = Math.round(performance.now() - started)
    show('sync', `the server holds all ${serverEntries} entries (synced in ${ms} ms)`)
    setState('synced')
  }
  helia.libp2p.addEventListener('peer:disconnect', ({ detail }) => {
    if (detail.toString() !== serverPeer) return
    show('sync', 'lost the server; notes are kept here and sync when it is back')
    setState('offline', 'offline: writes stay in this browser')
    setTimeout(() => { connect().catch(() => {}) }, RETRY_MS)
  })
  const connecting = connect()

  const db = await openDatabase<Note>(orbitdb, dbAddress, { timeoutMs: 60_000 })
  opened.db = db
  db.events.on('error', (err: Error) => show('error', `sync error: ${err.message}`))
  db.events.on('update', () => { render(db).catch((err: Error) => show('error', err.message)) })
  show('db', `${db.name} · ${db.address} · writers ${db.access.write.length}`)
  await render(db)
  await connecting
  const connected = helia.libp2p.getConnections().some(connection => connection.remotePeer.toString() === serverPeer)
  if (connected) await sync().catch((err: Error) => show('error', err.message))
  else if (element('state').dataset.state !== 'offline') setState('offline', 'offline: writes stay in this browser')

  element('add').addEventListener('submit', event => {
    event.preventDefault()
    const input = element('text') as HTMLInputElement
    const note: Note = { _id: `${name}-${Date.now()}`, author: name, text: input.value, writtenAt: new Date().toJSON() }
    ;(async () => {
      try {
        await db.put(note)
      } catch (err) {
        const refused = /not allowed to write/.test((err as Error).message)
        const notListed = `refused: identity ${orbitdb.identity.id} is not in this database's access controller`
        show('error', refused ? notListed : (err as Error).message)
        element('error').dataset.refused = String(refused)
        return
      }
      input.value = ''
      show('error', '')
      await render(db)
      if (element('state').dataset.state === 'synced') await sync()
    })().catch((err: Error) => show('error', err.message))
  })
}

if (server === null || address === null) {
  setState('idle', 'open this page with ?server=<multiaddr>&db=<address> (pnpm dev:web prints them)')
} else if (!isValidAddress(address)) {
  setState('failed', `failed: not an OrbitDB address: ${address}`)
} else {
  start(server, address).catch((err: Error) => setState('failed', `failed: ${err.message}`))
}
