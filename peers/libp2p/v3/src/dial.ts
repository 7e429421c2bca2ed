// Dialling the server: validate the address first, then retry with exponential backoff until a deadline,
// so a client started before its server (as compose does) still connects. A wrong peer ID is final.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, IdentifyResult, Libp2p } from '@libp2p/interface'

export function parseServerAddress (text: string): Multiaddr {
  let address: Multiaddr
  try {
    address = multiaddr(text.trim())
  } catch (err) {
    throw new Error(`malformed multiaddr "${text}": ${(err as Error).message}`)
  }
  if (!address.getComponents().some(component => component.name === 'tcp')) {
    const expected = 'expected a TCP or WebSocket address such as /ip4/127.0.0.1/tcp/9111'
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

/** The connection was closed or reset before the handshake finished: what a server over its limits does. */
function isRefusal (error: Error): boolean {
  return /ECONNRESET|EPIPE|socket hang up|stream ended|closed before|ended before|unexpected end of input/i
    .test(error.message)
}

export async function dialWithRetry (
  node: Libp2p, address: Multiaddr, options: DialRetryOptions
): Promise<{ connection: Connection, attempts: number }> {
  const giveUpAt = Date.now() + options.deadlineMs
  let waitMs = 100
  for (let attempt = 1; ; attempt++) {
    try {
      const remainingMs = Math.max(giveUpAt - Date.now(), 1)
      const connection = await withDeadline(remainingMs, async signal => node.dial(address, { signal }))
      return { connection, attempts: attempt }
    } catch (err) {
      // #region errors
      let error = err as Error
      // libp2p 3 names its errors: a wrong peer ID is final, retrying cannot fix it.
      if (error.name === 'UnexpectedPeerError' || /does not match expected remote identity/i.test(error.message)) {
        const expected = address.getComponents().findLast(component => component.name === 'p2p')?.value
        const at = address.decapsulateCode(421).toString()
        throw new Error(`peer ID mismatch: the peer at ${at} is not ${expected ?? 'the expected peer'}`)
      }
      // A server over its connection limits closes new connections at once, mid-handshake: worth a retry.
      if (isRefusal(error)) {
        error = new Error('the server reset the connection during the handshake (it may be at its connection limits: ' +
          'MAX_CONNECTIONS, MAX_PENDING_CONNECTIONS, INBOUND_CONNECTIONS_PER_SECOND)')
      } else if (error.name === 'EncryptionFailedError') {
        // Garbage where a Noise handshake was expected: typically the peer is in a private network and we are not.
        throw new Error(`encryption handshake with ${address.toString()} failed (${error.message}): ` +
          'is it in a private network whose swarm.key (SWARM_KEY_FILE) this client lacks?')
      }
      // #endregion
      const remainingMs = giveUpAt - Date.now()
      if (remainingMs <= 0) {
        throw new Error(`could not reach ${address.toString()} within ${options.deadlineMs} ms ` +
          `(${attempt} attempts; last error: ${error.message})`)
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
export async function identified (node: Libp2p, connection: Connection, timeoutMs: number): Promise<Identified> {
  const { promise, resolve, reject } = Promise.withResolvers<Identified>()
  const onIdentify = ({ detail }: CustomEvent<IdentifyResult>): void => {
    if (detail.connection.id !== connection.id) return
    resolve({ agentVersion: detail.agentVersion, protocols: detail.protocols })
  }
  node.addEventListener('peer:identify', onIdentify)
  const timer = setTimeout(() => {
    reject(new Error(`${connection.remotePeer} sent no identify within ${timeoutMs} ms`))
  }, timeoutMs)
  try {
    const known = await node.peerStore.get(connection.remotePeer).catch(() => undefined) // not stored until identified
    const agent = known?.metadata.get('AgentVersion')
    if (known !== undefined && agent !== undefined && known.protocols.length > 0) {
      return { agentVersion: new TextDecoder().decode(agent), protocols: known.protocols }
    }
    return await promise
  } finally {
    clearTimeout(timer)
    node.removeEventListener('peer:identify', onIdentify)
  }
}

/** Resolves true once `connection` is closed, or false if it is still open after `withinMs`. */
export async function closes (node: Libp2p, connection: Connection, withinMs: number): Promise<boolean> {
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
