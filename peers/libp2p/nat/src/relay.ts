// The public relay: a peer every other peer can dial. It relays connections for peers behind NAT (circuit
// relay v2, with limits), tells peers their observed address (identify) and dials them back on request
// (AutoNAT v1 and v2). `pnpm start:relay`; see src/run/config.ts.
import { short } from './connections.ts'
import { createRelayNode, type RelayLimits, type RelayNode } from './node.ts'
import { runRole } from './run/role.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayOptions {
  listen: Multiaddr[]
  announce: Multiaddr[]
  /** What each relayed connection may carry. */
  limits: RelayLimits
}

export interface Relay {
  node: RelayNode
  ready: { peerId: string, multiaddrs: string[] }
  stop: () => Promise<void>
}

export async function startRelay (options: RelayOptions, log: (line: string) => void = console.log): Promise<Relay> {
  const node = await createRelayNode({
    listen: options.listen.map(String),
    announce: options.announce.map(String),
    limits: options.limits
  })
  node.services.relay.addEventListener('relay:reservation', ({ detail }) => {
    log(`reservation for a peer at ${detail.addr.toString()} until ${detail.expiry.toISOString()}`)
  })
  node.addEventListener('connection:open', ({ detail }) => {
    log(`connection from ${short(detail.remotePeer.toString())} at ${short(detail.remoteAddr.toString())}`)
  })
  log(`relay limits: ${options.limits.bytes} bytes and ${options.limits.seconds} s per relayed connection`)
  const ready = { peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(String) }
  return { node, ready, stop: async () => { await node.stop() } }
}

if (import.meta.main) await runRole('relay', startRelay)
