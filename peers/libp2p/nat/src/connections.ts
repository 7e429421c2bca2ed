// How the roles' progress lines describe a connection: relayed through a circuit, or direct over a transport.
import { Circuit, QUIC_V1, TCP, WebRTC, WebSockets } from '@multiformats/multiaddr-matcher'
import type { Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type Transport = 'relayed' | 'webrtc' | 'quic' | 'tcp' | 'websockets' | 'other'

/** What carries a connection: relayed through a circuit, or direct over one transport. */
export function transportOf (connection: Connection): Transport {
  const address = connection.remoteAddr
  // a WebRTC address goes through /p2p-circuit (its signalling), so it is matched first
  if (WebRTC.matches(address)) return 'webrtc'
  if (Circuit.matches(address)) return 'relayed'
  if (QUIC_V1.matches(address)) return 'quic'
  if (WebSockets.matches(address)) return 'websockets'
  if (TCP.matches(address)) return 'tcp'
  return 'other'
}

/** A peer ID cut to its first 12 characters, in any text: progress lines stay readable. */
export function short (text: string): string {
  return text.replace(/\b(12D3KooW|Qm)(\w{4})\w{30,}/g, '$1$2…')
}

/** e.g. "direct over quic (/ip6/3fff:0:0:1::11/udp/4001/quic-v1)" or "relayed (/ip6/…/p2p-circuit)". */
export function describe (connection: Connection): string {
  const transport = transportOf(connection)
  const address = short(connection.remoteAddr.toString())
  return `${transport === 'relayed' ? 'relayed' : `direct over ${transport}`} (${address})`
}

/** The peer an address ends at: its last /p2p/<id> (for a relayed address, the peer behind the relay). */
export function peerOf (address: Multiaddr): string {
  const peer = address.getComponents().findLast(component => component.name === 'p2p')?.value
  if (peer === undefined) throw new Error(`"${address.toString()}" names no peer (/p2p/<id>)`)
  return peer
}
