// The peer role: a writer that replicates with the other writers it finds by topic, with or without the
// always-on server. It knows one bootstrap peer (BOOTSTRAP) and the discovery topic (DISCOVERY_TOPIC), dials
// every peer it hears of there, opens DB_ADDRESS (its manifest stored here by an earlier run, or sent by a
// connected peer), puts WRITES documents, and from then on OrbitDB's own sync exchanges entries with every
// connected peer that has the database open. It prints how many documents it holds after each change and
// runs until stopped (SIGTERM/SIGINT). Without DB_ADDRESS it is the bootstrap peer: it relays the topic,
// announces nothing and holds no database. Prints one READY {json} line. `pnpm start:peer`.
import type { DocumentsDatabase, OrbitDB } from '@orbitdb/core'
import { createNode, type Node } from './node.ts'
import { openDatabase, startOrbitDB, type Note } from './orbitdb.ts'
import { runPeer } from './run/peer.ts'
import type { NodeOptions } from './node.ts'

type Log = (line: string) => void

export interface PeerOptions {
  /** The database to open and write; without it, this peer is a bootstrap peer that relays the topic. */
  dbAddress?: string
  name: string
  dataDir: string
  identityKey?: string
  listen: string[]
  /** Peers to join through, each with /p2p/<peer id>. */
  bootstrap: string[]
  topic: string
  writes: number
  /** How long to wait for the database's manifest when it is not stored here yet. */
  openTimeoutMs: number
  /** The harness's speed-ups (src/tuned/), when TUNED=1. */
  bitswap?: NodeOptions['bitswap']
  tune?: (orbitdb: OrbitDB) => Promise<unknown>
}

export interface PeerReady {
  peerId: string
  multiaddrs: string[]
  /** The OrbitDB identity ID (absent on a bootstrap peer). */
  identity?: string
}

export interface RunningPeer { helia: Node, ready: PeerReady, stop: () => Promise<void> }

const short = (id: string): string => `…${id.slice(-6)}`

/** Dials each peer heard of on the topic, and says once per peer when it is connected and on the topic. */
function meetPeersOnTopic (helia: Node, config: PeerOptions, log: Log): void {
  const libp2p = helia.libp2p
  const bootstrapPeers = new Set(config.bootstrap.map(address => address.split('/p2p/').at(-1)!))
  const met = new Set<string>()
  libp2p.addEventListener('peer:discovery', ({ detail: peer }) => {
    if (bootstrapPeers.has(peer.id.toString()) || peer.multiaddrs.length === 0) return
    libp2p.dial(peer.id, { signal: AbortSignal.timeout(10_000) }).catch((err: Error) => {
      log(`heard of ${short(peer.id.toString())} on the topic but could not dial it: ${err.message}`)
    })
  })
  libp2p.services.pubsub.addEventListener('subscription-change', () => {
    for (const peer of libp2p.services.pubsub.getSubscribers(config.topic)) {
      const id = peer.toString()
      const connection = libp2p.getConnections(peer)[0]
      if (bootstrapPeers.has(id) || met.has(id) || connection === undefined) continue
      met.add(id)
      log(`found peer ${id} on the topic; connected directly at ${connection.remoteAddr.toString()}`)
    }
  })
}

async function startWriter (
  helia: Node, config: PeerOptions, dbAddress: string, log: Log
): Promise<{ orbitdb: OrbitDB, db: DocumentsDatabase<Note> }> {
  const orbitdb = await startOrbitDB(helia, { dataDir: config.dataDir, identityKey: config.identityKey })
  try {
    await config.tune?.(orbitdb)
    const db = await openDatabase<Note>(orbitdb, dbAddress, { timeoutMs: config.openTimeoutMs })
    db.events.on('error', (err: Error) => log(`sync error: ${err.message.replaceAll('\n', ' ')}`))
    const holding = async (): Promise<string> => `holds ${(await db.all()).length} documents`
    // 'update' fires for this peer's own puts and for every entry joined from another peer
    db.events.on('update', (entry: { identity: string }) => {
      if (entry.identity === orbitdb.identity.hash) return
      holding().then(text => log(`replicated an entry from another writer; ${text}`), () => {})
    })
    log(`${config.name}: identity ${orbitdb.identity.id}; opened ${db.address}, ${await holding()}`)
    for (let index = 0; index < config.writes; index++) {
      const text = `note ${index + 1} from ${config.name}`
      const _id = `${config.name}-${Date.now()}-${index}`
      await db.put({ _id, author: config.name, text, writtenAt: new Date().toJSON() })
    }
    if (config.writes > 0) log(`put ${config.writes} documents; ${await holding()}`)
    return { orbitdb, db }
  } catch (err) {
    await orbitdb.stop()
    throw err
  }
}

export async function startPeer (config: PeerOptions, log: Log = console.log): Promise<RunningPeer> {
  const helia = await createNode({
    dataDir: config.dataDir,
    listen: config.listen,
    bitswap: config.bitswap,
    discovery: { bootstrap: config.bootstrap, topic: config.topic, listenOnly: config.dbAddress === undefined }
  })
  try {
    meetPeersOnTopic(helia, config, log)
    const writer = config.dbAddress === undefined ? undefined : await startWriter(helia, config, config.dbAddress, log)
    const ready: PeerReady = {
      peerId: helia.libp2p.peerId.toString(),
      multiaddrs: helia.libp2p.getMultiaddrs().map(String),
      identity: writer?.orbitdb.identity.id
    }
    if (writer === undefined) log(`bootstrap peer ${ready.peerId}: relays "${config.topic}", holds no database`)
    return {
      helia,
      ready,
      stop: async () => {
        await writer?.orbitdb.stop()
        await helia.stop()
      }
    }
  } catch (err) {
    await helia.stop()
    throw err
  }
}

if (import.meta.main) await runPeer(startPeer)
