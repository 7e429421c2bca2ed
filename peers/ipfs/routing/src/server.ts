// The server role: a DHT server (it answers queries and keeps provider and IPNS records for others) that
// joins through its bootstrap peers, adds a text and announces itself as its provider, and can publish that
// root under its own IPNS name (its peer ID, as Kubo's `self`). `pnpm start:server`; see src/run/config.ts.
import { unixfs } from '@helia/unixfs'
import { serveHosting, type HostingLimits } from './hosting.ts'
import { createRoutingNode, namesOf, type RoutingNode, type RoutingNodeOptions } from './node.ts'
import { runServer } from './run/main.ts'
import type { CID } from 'multiformats/cid'

export interface ServerOptions extends Omit<RoutingNodeOptions, 'mode' | 'privateKey'> {
  /** Text to add and provide. */
  provideText?: string
  /** Publish the provided root under this node's IPNS name. */
  publishName: boolean
  /** Keep and announce what the allowed peers ask it to (/liftoff/host/1.0.0); off when undefined. */
  hosting?: HostingLimits
}

/** What the server prints on its READY line. */
export interface Ready {
  peerId: string
  multiaddrs: string[]
  /** The root of the provided text, once announced. */
  cid?: string
  /** The IPNS name it was published under (k51…). */
  name?: string
}

export interface RunningServer { node: RoutingNode, ready: Ready, stop: () => Promise<void> }

type Log = (line: string) => void

const PROVIDE_TIMEOUT_MS = 60_000
const short = (peer: string): string => `…${peer.slice(-6)}`

// #region provide
/** Announces this node as a provider of `cid` to the DHT servers closest to it; which servers took it. */
export async function announce (node: RoutingNode, cid: CID, signal: AbortSignal): Promise<string[]> {
  const holders: string[] = []
  try {
    // the query waits until the routing table has a peer
    for await (const event of node.libp2p.services.dht.provide(cid, { signal })) {
      if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') holders.push(event.from.toString())
    }
  } catch (err) {
    if (!signal.aborted) throw err
  }
  if (holders.length === 0) {
    throw new Error(`no DHT server took the provider record for ${cid}: ` +
      'is BOOTSTRAP a DHT server on the same network (DHT_NETWORK)?')
  }
  return holders
}

/** Adds the text and announces it; says which servers took the record. */
export async function provideText (node: RoutingNode, text: string, log: Log, timeoutMs = PROVIDE_TIMEOUT_MS) {
  const cid = await unixfs(node).addBytes(new TextEncoder().encode(text))
  const holders = await announce(node, cid, AbortSignal.timeout(timeoutMs))
  const servers = `${holders.length} DHT server${holders.length === 1 ? '' : 's'}`
  log(`providing ${cid}: provider record on ${servers} (${holders.map(short).join(', ')})`)
  return cid
}
// #endregion

export async function startServer (options: ServerOptions, log: Log = console.log): Promise<RunningServer> {
  const node = await createRoutingNode({ ...options, mode: 'server' })
  try {
    if (options.hosting !== undefined) {
      await serveHosting(node, {
        limits: options.hosting,
        announce: async (cid, signal) => (await announce(node, cid, signal)).length,
        onHosted: (asker, answer) => log(`hosting request from ${short(asker.toString())}: ${JSON.stringify(answer)}`)
      })
    }
    const ready: Ready = { peerId: node.libp2p.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String) }
    if (options.provideText !== undefined) {
      const cid = await provideText(node, options.provideText, log)
      ready.cid = cid.toString()
      if (options.publishName) {
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

if (import.meta.main) await runServer(startServer)
