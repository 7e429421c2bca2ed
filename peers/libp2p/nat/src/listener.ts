// The listener behind NAT: nobody outside can dial it, so it takes a reservation on the public relay and
// advertises its relayed address (…/p2p-circuit/p2p/<id>) and its WebRTC address (…/p2p-circuit/webrtc/…).
// A peer that dials it through the relay gets a relayed connection first; DCUtR then tries to punch a
// direct one, and WebRTC finds its own path with ICE. It answers chat messages, greets every peer on each
// new connection (so messages flow both ways), and echoes bytes for a throughput check.
// `pnpm start:server`; see src/run/config.ts.
import { isPrivate } from '@libp2p/utils'
import { Circuit } from '@multiformats/multiaddr-matcher'
import { handleChat, sendChat } from './chat.ts'
import { describe, peerOf, short, transportOf } from './connections.ts'
import { handleEcho, type EchoLimits } from './echo.ts'
import { createPeerNode, type IceServer, type PeerNode } from './node.ts'
import { runRole } from './run/role.ts'
import type { Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface ListenerOptions {
  /** The public relay to take a reservation on, …/p2p/<relay id>. */
  relay: Multiaddr
  /** What one echo stream may take. */
  echo: EchoLimits
  listen: Multiaddr[]
  appendAnnounce: Multiaddr[]
  iceServers: IceServer[]
  /** Ask the router for a port mapping over UPnP IGD. */
  upnp: boolean
}

export interface ListenerReady {
  peerId: string
  /** Its relayed address, to dial it through the relay (DCUtR may then upgrade the connection). */
  circuit: string
  /** Its WebRTC address: signalled through the relay, then direct where ICE finds a path. */
  webrtc: string
  multiaddrs: string[]
}

export interface Listener { node: PeerNode, ready: ListenerReady, stop: () => Promise<void> }

type Log = (line: string) => void

const RESERVATION_TIMEOUT_MS = 20_000

export async function startListener (options: ListenerOptions, log: Log = console.log): Promise<Listener> {
  const relayPeer = peerOf(options.relay)
  // #region listen
  const node = await createPeerNode({
    // a reservation on the relay (/p2p-circuit) and WebRTC signalled through it (/webrtc)
    listen: [...options.listen.map(String), `${options.relay.toString()}/p2p-circuit`, '/webrtc'],
    appendAnnounce: options.appendAnnounce.map(String),
    iceServers: options.iceServers,
    upnp: options.upnp
  })
  // #endregion
  const own = node.getMultiaddrs().filter(address => !Circuit.matches(address)).map(String)
  log(`peer ${node.peerId.toString()} listening on ${own.join(', ') || 'no address of its own yet'}`)
  const from = (connection: Connection): string => `${short(connection.remotePeer.toString())} ${describe(connection)}`

  await handleEcho(node, options.echo, (reason, connection) => log(`ended an echo from ${from(connection)}: ${reason}`))
  await handleChat(node,
    (text, connection) => log(`heard from ${from(connection)}: ${text}`),
    (reason, connection) => log(`refused a chat stream from ${from(connection)}: ${reason}`))
  // greet on every new connection (not libp2p's identify, which is not repeated for each): both ways work
  node.addEventListener('connection:open', ({ detail: connection }) => {
    if (connection.remotePeer.toString() === relayPeer) return
    const kind = transportOf(connection) === 'relayed' ? 'relayed' : 'direct'
    log(`${kind} connection from ${short(connection.remotePeer.toString())}: ${describe(connection)}`)
    sendChat(connection, 'hello from the listener')
      .then(answer => log(`greeted ${from(connection)}: "${answer}"`))
      .catch((err: Error) => log(`could not greet ${from(connection)}: ${err.message.split('\n')[0]}`))
  })
  node.addEventListener('connection:close', ({ detail: connection }) => {
    log(`connection to ${short(connection.remotePeer.toString())} closed: ${describe(connection)}`)
  })
  let announced = ''
  node.addEventListener('self:peer:update', () => {
    const now = node.getMultiaddrs().map(String).join(' ')
    if (now === announced) return
    announced = now
    const confirmed = node.getMultiaddrs()
      .filter(address => !String(address).includes('/p2p-circuit') && !isPrivate(address))
    const publicAddresses = confirmed.length === 0 ? 'none (reachable through the relay only)' : confirmed.join(', ')
    log(`announcing ${node.getMultiaddrs().length} addresses; public addresses confirmed: ${publicAddresses}`)
  })

  const circuit = await reservation(node, RESERVATION_TIMEOUT_MS)
  const peerId = node.peerId.toString()
  const ready: ListenerReady = {
    peerId,
    circuit: `${circuit}/p2p/${peerId}`,
    webrtc: `${circuit}/webrtc/p2p/${peerId}`,
    multiaddrs: node.getMultiaddrs().map(String)
  }
  log(`reservation taken on relay ${relayPeer}: dial ${ready.circuit} (or ${ready.webrtc})`)
  return { node, ready, stop: async () => { await node.stop() } }
}

// #region reservation
/** Resolves with the relayed address (…/p2p-circuit) once the relay has granted a reservation. */
async function reservation (node: PeerNode, timeoutMs: number): Promise<string> {
  const circuitAddress = (): string | undefined => {
    const relayed = node.getMultiaddrs().map(String)
      .find(address => address.includes('/p2p-circuit') && !address.includes('/webrtc'))
    return relayed?.slice(0, relayed.indexOf('/p2p-circuit') + '/p2p-circuit'.length)
  }
  const found = circuitAddress()
  if (found !== undefined) return found
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.removeEventListener('self:peer:update', check)
      reject(new Error(`the relay granted no reservation within ${timeoutMs} ms: ` +
        'is RELAY_ADDR a circuit relay v2 server this host can reach?'))
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
// #endregion

if (import.meta.main) await runRole('listener', startListener)
