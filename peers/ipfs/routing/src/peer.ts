// The peer role: one of an app's peers. It knows one bootstrap peer and a discovery topic, announces itself on
// the topic, dials every peer it hears of there, and is done once connected directly to `minPeers` of them.
// Without a bootstrap peer (and minPeers 0) it is the bootstrap peer: it relays the topic and announces
// nothing. `pnpm start:peer`; see src/run/config.ts.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createTopicNode, type TopicNode } from './discovery.ts'
import { runPeer } from './run/main.ts'

export interface PeerOptions {
  listen: string[]
  /** Peers to join through, each `…/p2p/<peer id>`. */
  bootstrap: string[]
  /** The discovery topic: peers of one app share it. */
  topic: string
  /** Done once connected to this many peers found by topic; 0 runs until stopped. */
  minPeers: number
  timeoutMs: number
}

export interface RunningPeer { node: TopicNode, found: Promise<string[]>, stop: () => Promise<void> }

type Log = (line: string) => void

const DIAL_TIMEOUT_MS = 10_000
const peerOf = (address: string): string => peerIdFromString(multiaddr(address).getComponents()
  .findLast(component => component.name === 'p2p')!.value!).toString()

export async function startPeer (options: PeerOptions, log: Log = console.log): Promise<RunningPeer> {
  const { topic, bootstrap } = options
  const node = await createTopicNode({ listen: options.listen, bootstrap, topic, listenOnly: bootstrap.length === 0 })
  const started = performance.now()
  const bootstrapPeers = new Set(bootstrap.map(peerOf))
  const found = new Set<string>()
  const { promise, resolve, reject } = Promise.withResolvers<string[]>()
  promise.catch(() => {})
  // a peer heard of on the topic is dialled; whichever side dials first, it counts as found once it is
  // connected and subscribed to the topic (gossipsub tells us each peer's subscriptions)
  node.addEventListener('peer:discovery', ({ detail: peer }) => {
    const id = peer.id.toString()
    if (bootstrapPeers.has(id) || found.has(id) || peer.multiaddrs.length === 0) return
    node.dial(peer.id, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch((err: Error) => {
      log(`heard of ${id} on "${topic}" but could not dial it: ${err.message.split('\n')[0]}`)
    })
  })
  node.services.pubsub.addEventListener('subscription-change', () => {
    for (const peer of node.services.pubsub.getSubscribers(topic)) {
      const id = peer.toString()
      const connection = node.getConnections(peer)[0]
      if (bootstrapPeers.has(id) || found.has(id) || connection === undefined) continue
      found.add(id)
      const ms = Math.round(performance.now() - started)
      log(`found ${id} on "${topic}" after ${ms} ms; connected directly at ${connection.remoteAddr.toString()}`)
      if (options.minPeers > 0 && found.size >= options.minPeers) resolve([...found])
    }
  })
  // with minPeers 0 the peer waits on until stopped: no deadline
  const timer = options.minPeers === 0
    ? undefined
    : setTimeout(() => reject(new Error(`found ${found.size} of ${options.minPeers} peers on "${topic}" ` +
      `within ${options.timeoutMs} ms (TIMEOUT_MS)`)), options.timeoutMs)
  promise.finally(() => clearTimeout(timer)).catch(() => {})
  log(`READY ${JSON.stringify({ peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(String) })}`)
  log(bootstrap.length === 0
    ? `bootstrap peer ${node.peerId}: relays "${topic}"`
    : `peer ${node.peerId} on topic "${topic}", joining through ${bootstrap.join(', ')}`)
  return { node, found: promise, stop: async () => { clearTimeout(timer); await node.stop() } }
}

if (import.meta.main) await runPeer(startPeer)
