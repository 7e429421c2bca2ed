// The server role: a DHT server (it answers queries and keeps provider and IPNS records for others) that
// joins through BOOTSTRAP (the first one needs none), adds PROVIDE_TEXT and announces itself as its provider,
// and with PUBLISH_NAME=1 publishes that root under its own IPNS name (its peer ID, as Kubo's `self`).
// Announcements repeat every REPROVIDE_INTERVAL_MS. Prints one READY {json} line. `pnpm start:server`.
import { unixfs } from '@helia/unixfs'
import { serveHosting } from './hosting.ts'
import { readServerConfig, oneLine, type ServerConfig } from './config.ts'
import { createRoutingNode, namesOf, type RoutingNode } from './node.ts'
import type { CID } from 'multiformats/cid'

export interface Ready {
  peerId: string
  multiaddrs: string[]
  /** The root of PROVIDE_TEXT, once announced. */
  cid?: string
  /** The IPNS name it was published under (k51…). */
  name?: string
}

export interface RunningServer {
  node: RoutingNode
  ready: Ready
  stop: () => Promise<void>
}

type Log = (line: string) => void

const PROVIDE_TIMEOUT_MS = 60_000
const short = (peer: string): string => `…${peer.slice(-6)}`

// #region provide
/**
 * Announces this node as a provider of `cid` to the DHT servers closest to it (the query waits until the
 * routing table has a peer) and returns which servers took the record.
 */
export async function announce (node: RoutingNode, cid: CID, signal: AbortSignal): Promise<string[]> {
  const holders: string[] = []
  try {
    for await (const event of node.libp2p.services.dht.provide(cid, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') holders.push(event.from.toString())
    }
  } catch (err) {
    if (!signal.aborted) throw err
  }
  if (holders.length === 0) throw new Error(`no DHT server took the provider record for ${cid}: is BOOTSTRAP a DHT server on the same network (DHT_NETWORK)?`)
  return holders
}

/** Adds the text and announces it; says which servers took the record. */
export async function provideText (node: RoutingNode, text: string, log: Log, timeoutMs = PROVIDE_TIMEOUT_MS): Promise<CID> {
  const cid = await unixfs(node).addBytes(new TextEncoder().encode(text))
  const holders = await announce(node, cid, AbortSignal.timeout(timeoutMs))
  log(`providing ${cid}: provider record on ${holders.length} DHT server${holders.length === 1 ? '' : 's'} (${holders.map(short).join(', ')})`)
  return cid
}
// #endregion

export async function startServer (config: ServerConfig, log: Log = console.log): Promise<RunningServer> {
  const node = await createRoutingNode({
    mode: 'server',
    network: config.network,
    listen: config.listen,
    announce: config.announce,
    bootstrap: config.bootstrap.map(String),
    reprovideIntervalMs: config.reprovideIntervalMs,
    provideValidityMs: config.provideValidityMs,
    dataDir: config.dataDir
  })
  try {
    if (config.acceptHosting) {
      const allowed = config.hosting.allowPeers.size
      log(allowed === 0 ? 'hosting: open to nobody (HOSTING_ALLOW_PEERS is empty)' : `hosting: open to ${allowed} peer${allowed === 1 ? '' : 's'} (HOSTING_ALLOW_PEERS), up to ${config.hosting.maxBytes} bytes and ${config.hosting.maxBlocks} blocks a request, ${config.hosting.maxConcurrentPerPeer} at once each, blocks in ${config.dataDir!}`)
      await serveHosting(node, {
        limits: config.hosting,
        announce: async (cid, signal) => (await announce(node, cid, signal)).length,
        onHosted: (asker, response) => { log(`hosting request from ${short(asker.toString())}: ${JSON.stringify(response)}`) }
      })
    }
    const ready: Ready = { peerId: node.libp2p.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String) }
    if (config.provideText !== undefined) {
      const cid = await provideText(node, config.provideText, log)
      ready.cid = cid.toString()
      if (config.publishName) {
        const published = await namesOf(node).publish('self', cid)
        ready.name = published.name.replace('/ipns/', '')
        log(`published ${published.name} → /ipfs/${cid} (sequence ${published.record.sequence})`)
      }
    }
    return { node, ready, stop: async () => { await node.stop() } }
  } catch (err) {
    await node.stop()
    throw err
  }
}

const STOP_DEADLINE_MS = 10_000

if (import.meta.main) {
  let server: RunningServer | undefined
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
      console.error(`server: stop failed: ${oneLine(err.message)}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    server = await startServer(readServerConfig())
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`DHT server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`join through it: BOOTSTRAP=${server.ready.multiaddrs[0]} pnpm start:client …`)
  } catch (err) {
    console.error(`server: ${oneLine((err as Error).message)}`)
    process.exit(1)
  }
}
