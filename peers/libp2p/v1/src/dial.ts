// Dialling the server: validate the address first, then retry with exponential backoff until a deadline,
// so a client started before its server (as compose does) still connects. A wrong peer ID is final.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, IdentifyResult } from '@libp2p/interface'
import type { Node } from './node.ts'

export function parseServerAddress (text: string): Multiaddr {
  let address: Multiaddr
  try {
    address = multiaddr(text.trim())
  } catch (err) {
    throw new Error(`malformed multiaddr "${text}": ${(err as Error).message}`)
  }
  if (!address.protoNames().includes('tcp')) {
    const example = '/ip4/127.0.0.1/tcp/9101'
    throw new Error(`malformed multiaddr "${text}": expected a TCP or WebSocket address such as ${example}`)
  }
  return address
}

/** `work` with a signal that aborts after `ms`; the timer is cleared on success (libp2p 1.x keeps listening). */
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

const RESET = /ECONNRESET|EPIPE|socket hang up|stream ended|closed before|ended before|unexpected end of input/i
const LIMITS = 'it may be at its connection limits: ' +
  'MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND'

export async function dialWithRetry (
  node: Node, address: Multiaddr, options: DialRetryOptions
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
      let error = err as Error & { code?: string }
      // A server over its connection limits closes new connections at once, mid-handshake: worth a retry.
      if (RESET.test(error.message)) {
        error = new Error(`the server reset the connection during the handshake (${LIMITS})`)
      } else if (error.code === 'ERR_ENCRYPTION_FAILED' || error.code === 'ERR_UNEXPECTED_PEER') {
        // libp2p 1.x reports a wrong peer ID as a failed Noise handshake; retrying cannot fix either.
        if (/does not match expected remote identity|unexpected peer/i.test(error.message)) {
          const expected = address.getPeerId() ?? 'the expected peer'
          throw new Error(`peer ID mismatch: the peer at ${address.decapsulateCode(421).toString()} is not ${expected}`)
        }
        throw new Error(`encryption handshake with ${address.toString()} failed: ${error.message}`)
      }
      // #endregion
      const remainingMs = giveUpAt - Date.now()
      if (remainingMs <= 0) {
        const last = `${attempt} attempts; last error: ${error.message}`
        throw new Error(`could not reach ${address.toString()} within ${options.deadlineMs} ms (${last})`)
      }
      const pauseMs = Math.min(waitMs, remainingMs)
      options.onRetry?.(attempt, error, pauseMs)
      await new Promise(resolve => setTimeout(resolve, pauseMs))
      waitMs = Math.min(waitMs * 2, 2000)
    }
  }
}

export interface Identified { agentVersion: string | undefined, protocols: string[] }

/**
 * What the server told us about itself. libp2p runs identify on every new connection (a second, explicit
 * identify would exceed the protocol's one-stream limit), so wait for its `peer:identify` event, or read
 * the peer store when it came before we listened.
 */
export async function identified (
  node: Node, connection: Connection, timeoutMs: number
): Promise<Identified> {
  const { promise, resolve, reject } = Promise.withResolvers<Identified>()
  const onIdentify = ({ detail }: CustomEvent<IdentifyResult>): void => {
    const { agentVersion, protocols } = detail
    if (detail.connection.id === connection.id) resolve({ agentVersion, protocols })
  }
  node.addEventListener('peer:identify', onIdentify)
  const silent = new Error(`${connection.remotePeer} sent no identify within ${timeoutMs} ms`)
  const timer = setTimeout(() => reject(silent), timeoutMs)
  try {
    // the peer store has no entry for the peer until it is identified
    const known = await node.peerStore.get(connection.remotePeer).catch(() => undefined)
    const agent = known?.metadata.get('AgentVersion')
    if (known === undefined || agent === undefined || known.protocols.length === 0) return await promise
    return { agentVersion: new TextDecoder().decode(agent), protocols: known.protocols }
  } finally {
    clearTimeout(timer)
    node.removeEventListener('peer:identify', onIdentify)
  }
}

/** Resolves true once `connection` is closed, or false if it is still open after `withinMs`. */
export async function closes (node: Node, connection: Connection, withinMs: number): Promise<boolean> {
  if (connection.status !== 'open') return true
  const { promise, resolve } = Promise.withResolvers<boolean>()
  const onClose = ({ detail }: CustomEvent<Connection>): void => { if (detail.id === connection.id) resolve(true) }
  node.addEventListener('connection:close', onClose)
  const timer = setTimeout(() => resolve(connection.status !== 'open'), withinMs)
  try {
    return await promise
  } finally {
    clearTimeout(timer)
    node.removeEventListener('connection:close', onClose)
  }
}
