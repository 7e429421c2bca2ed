// The listener behind NAT: nobody outside can dial it, so it takes a reservation on the public relay and
// advertises its relayed address (…/p2p-circuit/p2p/<id>) and its WebRTC address (…/p2p-circuit/webrtc/…).
// A peer that dials it through the relay gets a relayed connection first; DCUtR then tries to punch a
// direct one, and WebRTC finds its own path with ICE. It answers chat messages and greets every peer
// that speaks chat on each new connection, so messages flow both ways; it echoes bytes for a throughput
// check, within ECHO_MAX_BYTES and ECHO_IDLE_TIMEOUT_MS a stream. `pnpm start:server`; RELAY_ADDR,
// LISTEN_ADDRS, APPEND_ANNOUNCE, ICE_SERVERS, UPNP, ECHO_MAX_BYTES, ECHO_IDLE_TIMEOUT_MS (see config.ts).
import { isPrivate } from '@libp2p/utils'
import { Circuit } from '@multiformats/multiaddr-matcher'
import { describe, handleChat, handleEcho, sendChat, short, transportOf } from './chat.ts'
import { listenerConfig, peerIdOf, type ListenerConfig } from './config.ts'
import { createPeerNode, type PeerNode } from './node.ts'
import { oneLine, runRole, type Running } from './role.ts'

export interface ListenerReady {
  peerId: string
  /** Its relayed address, to dial it through the relay (DCUtR may then upgrade the connection). */
  circuit: string
  /** Its WebRTC address: signalled through the relay, then direct where ICE finds a path. */
  webrtc: string
  multiaddrs: string[]
}

export interface Listener extends Running {
  node: PeerNode
  ready: ListenerReady
}

const RESERVATION_TIMEOUT_MS = 20_000

export async function startListener (config: ListenerConfig, log: (line: string) => void = console.log): Promise<Listener> {
  const relayPeer = peerIdOf(config.relay)
  const node = await createPeerNode({
    listen: [...config.listen.map(address => address.toString()), `${config.relay.toString()}/p2p-circuit`, '/webrtc'],
    appendAnnounce: config.appendAnnounce.map(address => address.toString()),
    iceServers: config.iceServers,
    upnp: config.upnp
  })
  log(`peer ${node.peerId.toString()} listening on ${node.getMultiaddrs().filter(address => !Circuit.matches(address)).map(address => address.toString()).join(', ') || 'no address of its own yet'}`)

  await handleEcho(node, config.echo, (reason, connection) => log(`ended an echo from ${short(connection.remotePeer.toString())} ${describe(connection)}: ${reason}`))
  await handleChat(node,
    (text, connection) => log(`heard from ${short(connection.remotePeer.toString())} ${describe(connection)}: ${text}`),
    (reason, connection) => log(`refused a chat stream from ${short(connection.remotePeer.toString())} ${describe(connection)}: ${reason}`))
  // greets the peer on every new connection to it (not the relay's): the answer shows the path works both
  // ways. On connection:open rather than after identify, which libp2p does not repeat for every connection.
  node.addEventListener('connection:open', ({ detail: connection }) => {
    if (connection.remotePeer.toString() === relayPeer) return
    log(`${transportOf(connection) === 'relayed' ? 'relayed' : 'direct'} connection from ${short(connection.remotePeer.toString())}: ${describe(connection)}`)
    sendChat(connection, 'hello from the listener')
      .then(answer => log(`greeted ${short(connection.remotePeer.toString())} ${describe(connection)}: "${answer}"`))
      .catch((err: unknown) => log(`could not greet ${short(connection.remotePeer.toString())} ${describe(connection)}: ${oneLine(err)}`))
  })
  node.addEventListener('connection:close', ({ detail: connection }) => {
    log(`connection to ${short(connection.remotePeer.toString())} closed: ${describe(connection)}`)
  })
  let announced = ''
  node.addEventListener('self:peer:update', () => {
    const now = node.getMultiaddrs().map(address => address.toString()).join(' ')
    if (now === announced) return
    announced = now
    const confirmed = node.getMultiaddrs().filter(address => !address.toString().includes('/p2p-circuit') && !isPrivate(address))
    log(`announcing ${node.getMultiaddrs().length} addresses; public addresses confirmed: ${confirmed.length === 0 ? 'none (reachable through the relay only)' : confirmed.map(address => address.toString()).join(', ')}`)
  })

  const circuit = await reservation(node, RESERVATION_TIMEOUT_MS)
  const ready: ListenerReady = {
    peerId: node.peerId.toString(),
    circuit: `${circuit}/p2p/${node.peerId.toString()}`,
    webrtc: `${circuit}/webrtc/p2p/${node.peerId.toString()}`,
    multiaddrs: node.getMultiaddrs().map(address => address.toString())
  }
  log(`reservation taken on relay ${relayPeer}: dial ${ready.circuit} (or ${ready.webrtc})`)
  log(`READY ${JSON.stringify(ready)}`)
  return { node, ready, stop: async () => { await node.stop() } }
}

/** Resolves with the relayed address (…/p2p-circuit) once the relay has granted a reservation. */
async function reservation (node: PeerNode, timeoutMs: number): Promise<string> {
  const circuitAddress = (): string | undefined => {
    const relayed = node.getMultiaddrs().map(address => address.toString()).find(address => address.includes('/p2p-circuit') && !address.includes('/webrtc'))
    return relayed?.slice(0, relayed.indexOf('/p2p-circuit') + '/p2p-circuit'.length)
  }
  const found = circuitAddress()
  if (found !== undefined) return found
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeEventListener('self:peer:update', check)
      reject(new Error(`the relay granted no reservation within ${timeoutMs} ms: is RELAY_ADDR a circuit relay v2 server this host can reach?`))
    }, timeoutMs)
    const check = (): void => {
      const address = circuitAddress()
      if (address === undefined) return
      clearTimeout(timer)
      node.removeEventListener('self:peer:update', check)
      resolve(address)
    }
    node.addEventListener('self:peer:update', check)
  })
}

if (import.meta.main) await runRole('listener', async () => startListener(listenerConfig(process.env)))
