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
  if (!address.getComponents().some(component => component.name === 'tcp')) {
    const expected = 'expected a TCP or WebSocket address such as /ip4/127.0.0.1/tcp/9311'
    throw new Error(`malformed multiaddr "${text}": ${expected}`)
  }
  return address
}

/**
 * Runs `work` with a signal that aborts after `ms` unless `work` finished first; the timer is cleared on
 * success, so nothing fires after the work is done.
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

export async function dialWithRetry (
  node: Libp2p, address: Multiaddr, options: DialRetryOptions
): Promise<{ connection: Connection, attempts: number }> {
  const giveUpAt = Date.now() + options.deadlineMs
  let waitMs = 100
  for (let attempt = 1; ; attempt++) {
    try {
      const leftMs = Math.max(giveUpAt - Date.now(), 1)
      const connection = await withDeadline(leftMs, async signal => node.dial(address, { signal }))
      return { connection, attempts: attempt }
    } catch (err) {
      // #region errors
      let error = err as Error
      // A server over its connection limits closes new connections at once, mid-handshake: worth a retry.
      const reset = /ECONNRESET|EPIPE|socket hang up|stream ended|closed before|ended before|unexpected end of input/i
      if (reset.test(error.message)) {
        error = new Error('the server reset the connection during the handshake (it may be at its connection limits: ' +
          'MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND)')
      }
      // libp2p 3 names its errors: a wrong peer ID is final, retrying cannot fix it.
      if (error.name === 'UnexpectedPeerError' || /does not match expected remote identity/i.test(error.message)) {
        const expected = address.getComponents().findLast(component => component.name === 'p2p')?.value
        const at = address.decapsulateCode(421).toString()
        throw new Error(`peer ID mismatch: the peer at ${at} is not ${expected ?? 'the expected peer'}`)
      }
      if (error.name === 'EncryptionFailedError') {
        throw new Error(`encryption handshake with ${address.toString()} failed: ${error.message}`)
      }
      // #endregion
      const remainingMs = giveUpAt - Date.now()
      if (remainingMs <= 0) {
        const tried = `${attempt} attempts; last error: ${error.message}`
        throw new Error(`could not reach ${address.toString()} within ${options.deadlineMs} ms (${tried})`)
      }
      const pauseMs = Math.min(waitMs, remainingMs)
      options.onRetry?.(attempt, error, pauseMs)
      await new Promise(resolve => setTimeout(resolve, pauseMs))
      waitMs = Math.min(waitMs * 2, 2000)
    }
  }
}
