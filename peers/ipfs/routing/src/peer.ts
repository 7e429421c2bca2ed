// The peer role: one of an app's peers. It knows one bootstrap peer (BOOTSTRAP) and a discovery topic
// (DISCOVERY_TOPIC); it announces itself on the topic and dials every peer it hears of there, and exits 0
// once it is connected directly to MIN_PEERS of them (or waits on with MIN_PEERS=0, until stopped). Nothing
// found within TIMEOUT_MS is one line and exit code 1. Without BOOTSTRAP (and with MIN_PEERS=0) it is the
// bootstrap peer: it relays the topic and announces nothing. Prints one READY {json} line.
// `pnpm start:peer`; see src/config.ts.
import { oneLine, peerOf, readPeerConfig, type PeerConfig } from './config.ts'
import { createTopicNode, type TopicNode } from './discovery.ts'

type Log = (line: string) => void

export interface RunningPeer { node: TopicNode, found: Promise<string[]>, stop: () => Promise<void> }

export async function startPeer (config: PeerConfig, log: Log = console.log): Promise<RunningPeer> {
  const node = await createTopicNode({ listen: config.listen, bootstrap: config.bootstrap.map(String), topic: config.topic, listenOnly: config.bootstrap.length === 0 })
  const started = performance.now()
  const bootstrapPeers = new Set(config.bootstrap.map(address => peerOf(address).toString()))
  const found = new Set<string>()
  const { promise, resolve, reject } = Promise.withResolvers<string[]>()
  promise.catch(() => {})
  // a peer heard of on the topic is dialled; whichever side dials first, the peer counts as found once it is
  // connected and subscribed to the topic (gossipsub tells us each peer's subscriptions)
  node.addEventListener('peer:discovery', ({ detail: peer }) => {
    const id = peer.id.toString()
    if (bootstrapPeers.has(id) || found.has(id) || peer.multiaddrs.length === 0) return
    node.dial(peer.id, { signal: AbortSignal.timeout(10_000) }).catch((err: Error) => log(`heard of ${id} on "${config.topic}" but could not dial it: ${oneLine(err.message)}`))
  })
  node.services.pubsub.addEventListener('subscription-change', () => {
    for (const peer of node.services.pubsub.getSubscribers(config.topic)) {
      const id = peer.toString()
      const connection = node.getConnections(peer)[0]
      if (bootstrapPeers.has(id) || found.has(id) || connection === undefined) continue
      found.add(id)
      log(`found ${id} on "${config.topic}" after ${Math.round(performance.now() - started)} ms; connected directly at ${connection.remoteAddr.toString()}`)
      if (config.minPeers > 0 && found.size >= config.minPeers) resolve([...found])
    }
  })
  // with MIN_PEERS=0 the peer waits on until stopped: no deadline
  const timer = config.minPeers === 0 ? undefined : setTimeout(() => reject(new Error(`found ${found.size} of ${config.minPeers} peers on "${config.topic}" within ${config.timeoutMs} ms (TIMEOUT_MS)`)), config.timeoutMs)
  void promise.finally(() => clearTimeout(timer)).catch(() => {})
  log(`READY ${JSON.stringify({ peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(String) })}`)
  log(config.bootstrap.length === 0 ? `bootstrap peer ${node.peerId}: relays "${config.topic}"` : `peer ${node.peerId} on topic "${config.topic}", joining through ${config.bootstrap.join(', ')}`)
  return { node, found: promise, stop: async () => { clearTimeout(timer); await node.stop() } }
}

if (import.meta.main) {
  let peer: RunningPeer | undefined
  const stop = (code: number): void => {
    void Promise.resolve(peer?.stop()).finally(() => process.exit(code))
  }
  process.once('SIGINT', () => stop(0))
  process.once('SIGTERM', () => stop(0))
  try {
    const config = readPeerConfig()
    peer = await startPeer(config)
    if (config.minPeers > 0) {
      const found = await peer.found
      console.log(`connected to ${found.length} peer${found.length === 1 ? '' : 's'} found by topic`)
      stop(0)
    }
  } catch (err) {
    console.error(`peer: ${oneLine((err as Error).message)}`)
    stop(1)
  }
}
