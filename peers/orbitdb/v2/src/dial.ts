// Dialling the server: validate the address first, then retry with exponential backoff until a deadline,
// so a client started before its server (as compose does) still connects. A wrong peer ID is final.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection } from '@libp2p/interface'
import type { Libp2p } from '@libp2p/interface'

export function parseServerAddress (text: string): Multiaddr {
  let address: Multiaddr
  try {
    address = multiaddr(text.trim())
  } catch (err) {
    throw new Error(`malformed multiaddr "${text}": ${(err as Error).message}`)
  }
  if (!address.protoNames().includes('tcp')) {
    throw new Error(`malformed multiaddr "${text}": expected a TCP or WebSocket address such as /ip4/127.0.0.1/tcp/9301`)
  }
  return address
}

/**
 * Runs `work` with a signal that aborts after `ms` unless `work` finished first. Unlike
 * AbortSignal.timeout(), the timer is cleared on success: libp2p 1.x leaves reads listening on the signal
 * after a dial or ping, and a timeout firing later would reject them with nobody listening.
 */
export async function withDeadline<T> (ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${ms} ms`)), ms)
  try {
    return await work(controller.signal)
  } finally {
    clearTimeout(timer)
  }
}

export interface DialRetryOptions {
  /** Give up after this many milliseconds. */
  deadlineMs: number
  onRetry?: (attempt: number, error: Error, waitMs: number) => void
}

export async function dialWithRetry (node: Libp2p, address: Multiaddr, options: DialRetryOptions): Promise<{ connection: Connection, attempts: number }> {
  const giveUpAt = Date.now() + options.deadlineMs
  let waitMs = 100
  for (let attempt = 1; ; attempt++) {
    try {
      const connection = await withDeadline(Math.max(giveUpAt - Date.now(), 1), async signal => node.dial(address, { signal }))
      return { connection, attempts: attempt }
    } catch (err) {
      let error = err as Error & { code?: string }
      // A server over its connection limits closes new connections at once, mid-handshake: worth a retry.
      if (/ECONNRESET|EPIPE|socket hang up|stream ended|closed before|ended before|unexpected end of input/i.test(error.message)) error = new Error('the server reset the connection during the handshake (it may be at its connection limits: MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND)')
      // libp2p 1.x reports a wrong peer ID as a failed Noise handshake; retrying cannot fix either.
      else if (error.code === 'ERR_ENCRYPTION_FAILED' || error.code === 'ERR_UNEXPECTED_PEER') {
        if (/does not match expected remote identity|unexpected peer/i.test(error.message)) {
          throw new Error(`peer ID mismatch: the peer at ${address.decapsulateCode(421).toString()} is not ${address.getPeerId() ?? 'the expected peer'}`)
        }
        throw new Error(`encryption handshake with ${address.toString()} failed: ${error.message}`)
      }
      const remainingMs = giveUpAt - Date.now()
      if (remainingMs <= 0) {
        throw new Error(`could not reach ${address.toString()} within ${options.deadlineMs} ms (${attempt} attempts; last error: ${error.message})`)
      }
      const pauseMs = Math.min(waitMs, remainingMs)
      options.onRetry?.(attempt, error, pauseMs)
      await new Promise(resolve => setTimeout(resolve, pauseMs))
      waitMs = Math.min(waitMs * 2, 2000)
    }
  }
}
