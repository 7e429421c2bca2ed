// From a relayed connection to a direct one: the dial (through the relay, or WebRTC signalled through it),
// then waiting for DCUtR's direct connection to open beside the relayed one.
import { multiaddr } from '@multiformats/multiaddr'
import { transportOf } from './connections.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!

// WebRTC's signalling shares the relayed connection with DCUtR and the greeting, and now and then loses
// that race: a WebRTC dial gets a second attempt, as an app would give it
const WEBRTC_ATTEMPTS = 2

/** Dials `target` (one more attempt over WebRTC); each failed attempt is one line. */
export async function dialListener (
  node: Libp2p, target: string, webrtc: boolean, timeoutMs: number, log: (line: string) => void
): Promise<Connection> {
  const attempts = webrtc ? WEBRTC_ATTEMPTS : 1
  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    try {
      return await node.dial(multiaddr(target), { signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      if (attempt >= attempts) throw err
      const ms = Math.round(performance.now() - started)
      log(`WebRTC attempt ${attempt} failed after ${ms} ms (${firstLine(err)}); trying once more`)
    }
  }
}

// #region direct
/** The first direct (not relayed) connection to `peer` within `timeoutMs`, or undefined. */
export async function directConnection (node: Libp2p, peer: string, timeoutMs: number) {
  const existing = node.getConnections()
    .find(connection => connection.remotePeer.toString() === peer && transportOf(connection) !== 'relayed')
  if (existing !== undefined) return existing
  return await new Promise<Connection | undefined>(resolve => {
    const timer = setTimeout(() => {
      node.removeEventListener('connection:open', opened)
      resolve(undefined)
    }, timeoutMs)
    const opened = ({ detail: connection }: CustomEvent<Connection>): void => {
      if (connection.remotePeer.toString() !== peer || transportOf(connection) === 'relayed') return
      clearTimeout(timer)
      node.removeEventListener('connection:open', opened)
      resolve(connection)
    }
    node.addEventListener('connection:open', opened)
  })
}
// #endregion
