// Dialling the server: validate the address first, then retry with exponential backoff until a deadline,
// so a client started before its server (as compose does) still connects. A wrong peer ID is final.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection } from '@libp2p/interface'
import type { Node } from './node.ts'

export function parseServerAddress (text: string): Multiaddr {
  let address: Multiaddr
  try {
    address = multiaddr(text.trim())
  } catch (err) {
    throw new Error(`malformed multiaddr "${text}": ${(err as Error).message}`)
  }
  if (!address.getComponents().some(component => component.name === 'tcp')) {
    throw new Error(`malformed multiaddr "${text}": expected a TCP or WebSocket address such as ` +
      '/ip4/127.0.0.1/tcp/9201')
  }
  return address
}

const HANDSHAKE_RESET =
  /ECONNRESET|EPIPE|socket hang up|stream ended|closed before|ended before|unexpected end of input/i
const AT_LIMITS = 'the server reset the connection during the handshake (it may be at its connection limits: ' +
  'MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND)'

export async function dialWithRetry (helia: Node, address: Multiaddr, deadlineMs: number,
  onRetry?: (attempt: number, error: Error, waitMs: number) => void): Promise<Connection> {
  const giveUpAt = Date.now() + deadlineMs
  let waitMs = 100
  for (let attempt = 1; ; attempt++) {
    try {
      return await helia.libp2p.dial(address, { signal: AbortSignal.timeout(Math.max(giveUpAt - Date.now(), 1)) })
    } catch (err) {
      let error = err as Error
      // a server over its connection limits closes new connections at once, mid-handshake: worth a retry
      if (HANDSHAKE_RESET.test(error.message)) error = new Error(AT_LIMITS)
      if (error.name === 'UnexpectedPeerError' || error.name === 'InvalidCryptoExchangeError') {
        const expected = address.getComponents().findLast(component => component.name === 'p2p')?.value
        const at = address.decapsulateCode(421)
        throw new Error(`peer ID mismatch: the peer at ${at} is not ${expected ?? 'the expected peer'}`)
      }
      const remainingMs = giveUpAt - Date.now()
      if (remainingMs <= 0) {
        throw new Error(`could not reach ${address} within ${deadlineMs} ms ` +
          `(${attempt} attempts; last error: ${error.message})`)
      }
      const pauseMs = Math.min(waitMs, remainingMs)
      onRetry?.(attempt, error, pauseMs)
      await new Promise(resolve => setTimeout(resolve, pauseMs))
      waitMs = Math.min(waitMs * 2, 2000)
    }
  }
}
