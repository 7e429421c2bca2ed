// The page behind NAT (see index.html): listens through a relay (?relay=) or dials a peer (?peer=), over
// WebRTC with the ICE servers in ?ice= or over WebSockets, and says what carries the connection: the
// transport and, for WebRTC, the ICE candidate pair. A dial that finds no path within ?deadline= ms
// (default 20000) is one line in #state.
import { gatheredCandidates, selectedPair } from './peer-connections.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { WebRTC } from '@multiformats/multiaddr-matcher'
import { handleChat, sendChat } from '../src/chat.ts'
import { describe, short, transportOf } from '../src/connections.ts'
import { iceServers } from '../src/run/ice-servers.ts'
import { createBrowserNode } from './browser-node.ts'
import type { Connection } from '@libp2p/interface'

const show = (id: string, text: string): void => { document.getElementById(id)!.textContent = text }
const setState = (state: string, text: string): void => {
  const element = document.getElementById('state')!
  element.dataset.state = state
  element.textContent = text
}
const log = (text: string): void => {
  const item = document.createElement('li')
  item.textContent = text
  document.getElementById('log')!.append(item)
}
const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!

const query = new URLSearchParams(location.search)
const ice = iceServers({ ICE_SERVERS: query.get('ice') ?? '' })
const deadlineMs = Number(query.get('deadline') ?? 20_000)
show('ice', ice.map(server => server.urls).join(', ') || 'none: host candidates only')

const node = await createBrowserNode(ice)
show('peer', node.peerId.toString())
await handleChat(node, (text, connection) => {
  log(`heard from ${short(connection.remotePeer.toString())} ${describe(connection)}: ${text}`)
})

/** Shows a direct connection: its transport, and for WebRTC the candidate pair ICE chose. */
async function showDirect (connection: Connection): Promise<void> {
  show('remote', `${connection.remotePeer.toString()}: ${describe(connection)}`)
  if (WebRTC.exactMatch(connection.remoteAddr)) show('pair', await selectedPair() ?? 'unknown')
  show('gathered', gatheredCandidates())
  setState('connected', `connected: direct over ${transportOf(connection)}`)
}

async function listen (relay: string): Promise<void> {
  setState('dialling', `taking a reservation on ${relay}`)
  const relayPeer = multiaddr(relay).getComponents().findLast(component => component.name === 'p2p')?.value
  node.addEventListener('connection:open', ({ detail: connection }) => {
    if (transportOf(connection) === 'relayed' || connection.remotePeer.toString() === relayPeer) return
    showDirect(connection).catch((err: unknown) => log(`could not read the connection: ${oneLine(err)}`))
  })
  const webrtcAddress = new Promise<string>(resolve => {
    const check = (): void => {
      const address = node.getMultiaddrs().find(address => WebRTC.exactMatch(address))
      if (address === undefined) return
      node.removeEventListener('self:peer:update', check)
      resolve(address.toString())
    }
    node.addEventListener('self:peer:update', check)
  })
  await node.dial(multiaddr(relay), { signal: AbortSignal.timeout(deadlineMs) })
  show('address', await webrtcAddress)
  setState('listening', 'listening: dial my address')
}

async function dial (peer: string): Promise<void> {
  const overWebrtc = peer.includes('/webrtc/')
  setState('dialling', `dialling ${peer}`)
  const started = performance.now()
  const signal = AbortSignal.timeout(deadlineMs)
  const connection = await node.dial(multiaddr(peer), { signal }).catch((err: unknown) => {
    const ms = Math.round(performance.now() - started)
    if (!overWebrtc) throw new Error(`could not reach the peer after ${ms} ms: ${oneLine(err)}`)
    const servers = ice.length === 0
      ? 'no STUN or TURN server: only host candidates, which a NAT hides'
      : `with ${ice.map(server => server.urls).join(', ')}`
    throw new Error(`no WebRTC path to the peer after ${ms} ms: ICE found no candidate pair that works ` +
      `(${servers}; ${oneLine(err)})`)
  })
  await showDirect(connection)
  const answer = await sendChat(connection, 'hello from the page')
  log(`sent "hello from the page" ${describe(connection)}, answer: "${answer}"`)
}

const relay = query.get('relay')
const peer = query.get('peer')
const start = peer !== null
  ? dial(peer)
  : relay !== null
    ? listen(relay)
    : Promise.reject(new Error('give ?relay=<the relay\'s /ws address> or ?peer=<an address> in the address bar'))
start.catch((err: unknown) => setState('failed', `failed: ${oneLine(err)}`))
  .finally(() => show('gathered', gatheredCandidates()))
