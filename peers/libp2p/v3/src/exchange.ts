// The client's work over one connection: identify and ping the server, exchange messages, echo a random
// payload and check it byte for byte. Against a peer that is not a liftoff server it stops after ping.
import { createHash, randomBytes } from 'node:crypto'
import type { Connection } from '@libp2p/interface'
import type { Node } from './node.ts'
import { identified, withDeadline } from './dial.ts'
import { ECHO_PROTOCOL, echo } from './echo.ts'
import { MESSAGES_PROTOCOL, MessageSession } from './messages.ts'

export interface ExchangeOptions {
  messages: string[]
  echoBytes: number
  maxMessageBytes: number
}

export interface ClientReport {
  serverPeerId: string
  agentVersion: string | undefined
  protocols: string[]
  dialMs: number
  pingMs: number
  replies: string[]
  echoedBytes: number
  echoMs: number
}

export const elapsedMs = (since: number): number => Math.round((performance.now() - since) * 10) / 10

// #region exchange
/** Identify, ping, messages and an echo over one connection. */
export async function exchange (
  node: Node, connection: Connection, dialMs: number, options: ExchangeOptions, log: (line: string) => void
): Promise<ClientReport> {
  const server = connection.remotePeer
  const { agentVersion, protocols } = await identified(node, connection, 10_000)
  log(`identify: agent ${agentVersion ?? 'unknown'}; protocols ${protocols.join(' ')}`)
  const pingMs = await withDeadline(10_000, async signal => node.services.ping.ping(server, { signal }))
  log(`ping: ${pingMs} ms`)
  const identifiedServer = { serverPeerId: server.toString(), agentVersion, protocols, dialMs, pingMs }
  if (!protocols.includes(MESSAGES_PROTOCOL) || !protocols.includes(ECHO_PROTOCOL)) {
    log(`${server} does not speak ${MESSAGES_PROTOCOL} and ${ECHO_PROTOCOL}: ` +
      'not a liftoff server, so identify and ping is all')
    return { ...identifiedServer, replies: [], echoedBytes: 0, echoMs: 0 }
  }

  const session = await MessageSession.open(node, server, options.maxMessageBytes)
  const replies: string[] = []
  for (const text of options.messages) {
    const started = performance.now()
    const response = await session.request({ text })
    if (!response.ok) throw new Error(`server refused message "${text}": ${response.error}`)
    log(`sent "${text}" → received "${response.reply}" (${elapsedMs(started)} ms)`)
    replies.push(response.reply)
  }
  await session.close()

  const payload = randomBytes(options.echoBytes)
  const started = performance.now()
  const returned = await echo(node, server, payload)
  const echoMs = elapsedMs(started)
  if (!payload.equals(returned)) {
    const sizes = `sent ${payload.byteLength} bytes, got ${returned.byteLength} back`
    throw new Error(`echo mismatch: ${sizes} with different content`)
  }
  const digest = createHash('sha256').update(returned).digest('hex').slice(0, 16)
  const mibPerSecond = (payload.byteLength * 2 / 1024 / 1024) / (echoMs / 1000)
  log(`echo: ${payload.byteLength} bytes sent and returned intact (sha256 ${digest}…) in ${echoMs} ms, ` +
    `${mibPerSecond.toFixed(1)} MiB/s both ways`)
  return { ...identifiedServer, replies, echoedBytes: returned.byteLength, echoMs }
}
// #endregion
