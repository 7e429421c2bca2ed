// The public relay: a peer every other peer can dial. It relays connections for peers behind NAT (circuit
// relay v2, with limits), tells peers their observed address (identify) and dials them back on request
// (AutoNAT v1 and v2). `pnpm start:relay`; LISTEN_ADDRS, ANNOUNCE_ADDRS, RELAY_LIMIT_BYTES,
// RELAY_LIMIT_SECONDS (see config.ts).
import { short } from './chat.ts'
import { relayConfig, type RelayConfig } from './config.ts'
import { createRelayNode, type RelayNode } from './node.ts'
import { runRole, type Running } from './role.ts'

export interface Relay extends Running {
  node: RelayNode
  ready: { peerId: string, multiaddrs: string[] }
}

export async function startRelay (config: RelayConfig, log: (line: string) => void = console.log): Promise<Relay> {
  const node = await createRelayNode({
    listen: config.listen.map(address => address.toString()),
    announce: config.announce.map(address => address.toString()),
    limits: { bytes: config.limitBytes, seconds: config.limitSeconds }
  })
  node.services.relay.addEventListener('relay:reservation', ({ detail }) => log(`reservation for a peer at ${detail.addr.toString()} until ${detail.expiry.toISOString()}`))
  node.addEventListener('connection:open', ({ detail }) => log(`connection from ${short(detail.remotePeer.toString())} at ${short(detail.remoteAddr.toString())}`))
  const ready = { peerId: node.peerId.toString(), multiaddrs: node.getMultiaddrs().map(address => address.toString()) }
  log(`READY ${JSON.stringify(ready)}`)
  log(`relay limits: ${config.limitBytes} bytes and ${config.limitSeconds} s per relayed connection`)
  return { node, ready, stop: async () => { await node.stop() } }
}

if (import.meta.main) await runRole('relay', async () => startRelay(relayConfig(process.env)))
