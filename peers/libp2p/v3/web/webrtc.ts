// Two pages, one relay: ?relay=<the server's /ws address> takes a reservation on the server (a circuit
// relay) and shows this page's WebRTC address; ?peer=<the other page's address> (or the form) dials it. The
// WebRTC handshake travels through the relay, then the connection is direct, page to page. Messages use
// /liftoff/messages/1.0.0 as the Node roles do: each page answers the other's requests.
import { multiaddr } from '@multiformats/multiaddr'
import { WebRTC } from '@multiformats/multiaddr-matcher'
import { MessageSession, serveMessages } from '../src/messages.ts'
import { createBrowserNode } from './browser-node.ts'
import type { Connection } from '@libp2p/interface'

const show = (id: string, text: string): void => { document.getElementById(id)!.textContent = text }
const setState = (state: string, text = state): void => {
  const element = document.getElementById('state')!
  element.dataset.state = state
  element.textContent = text
}
const log = (text: string): void => {
  const item = document.createElement('li')
  item.textContent = text
  document.getElementById('log')!.append(item)
}

const node = await createBrowserNode()
show('peer', node.peerId.toString())
await serveMessages(node, {
  onRequest: (peer, request) => log(`${peer.toString().slice(-8)} said ${JSON.stringify(request)}`)
})

const describe = (connection: Connection): string => {
  const via = WebRTC.exactMatch(connection.remoteAddr) ? 'WebRTC' : connection.remoteAddr.toString()
  const limited = connection.limits === undefined ? '' : ' (relayed, limited)'
  return `${connection.remotePeer.toString().slice(-8)} via ${via}${limited}`
}
const showConnections = (): void => show('connections', node.getConnections().map(describe).join(' · ') || 'none')
node.addEventListener('connection:open', showConnections)
node.addEventListener('connection:close', showConnections)

let other: Connection | undefined

async function listen (relay: string): Promise<void> {
  setState('dialling', `dialling the relay ${relay}`)
  const webrtcAddress = new Promise<string>(resolve => {
    const check = (): void => {
      const address = node.getMultiaddrs().find(address => WebRTC.exactMatch(address))
      if (address === undefined) return
      node.removeEventListener('self:peer:update', check)
      resolve(address.toString())
    }
    node.addEventListener('self:peer:update', check)
  })
  const connection = await node.dial(multiaddr(relay), { signal: AbortSignal.timeout(15_000) })
  show('relay', connection.remotePeer.toString())
  show('address', await webrtcAddress)
  setState('listening', 'listening: give the other page my address')
}

async function connect (address: string): Promise<void> {
  setState('dialling', 'dialling the other page through the relay')
  other = await node.dial(multiaddr(address), { signal: AbortSignal.timeout(30_000) })
  if (!WebRTC.exactMatch(other.remoteAddr) || other.limits !== undefined) {
    throw new Error(`not a direct WebRTC connection: ${other.remoteAddr.toString()}`)
  }
  show('remote', `${other.remotePeer.toString()} over WebRTC`)
  await send('hello over WebRTC')
  setState('connected')
}

async function send (text: string): Promise<void> {
  if (other === undefined) throw new Error('connect to the other page first')
  const session = await MessageSession.open(node, other.remotePeer)
  try {
    const response = await session.request({ text })
    if (!response.ok) throw new Error(`refused: ${response.error}`)
    log(`me: ${text} → ${response.reply}`)
  } finally {
    await session.close()
  }
}

const fail = (err: Error): void => setState('failed', `failed: ${err.message}`)
const otherInput = document.getElementById('other') as HTMLInputElement
document.getElementById('dial')!.addEventListener('submit', event => {
  event.preventDefault()
  connect(otherInput.value.trim()).catch(fail)
})
const textInput = document.getElementById('send') as HTMLFormElement
textInput.addEventListener('submit', event => {
  event.preventDefault()
  const input = document.getElementById('text') as HTMLInputElement
  send(input.value).then(() => { input.value = '' }, fail)
})

const query = new URLSearchParams(location.search)
const relay = query.get('relay')
const peer = query.get('peer')
try {
  if (relay !== null) await listen(relay)
  if (peer !== null) {
    otherInput.value = peer
    await connect(peer)
  }
} catch (err) {
  fail(err as Error)
}
