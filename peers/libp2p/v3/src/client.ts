// The client role: dials the server (retrying until a deadline), identifies and pings it, exchanges
// messages, echoes a random payload and checks it byte for byte; if the connection closes under that work
// (a server restart), it dials again and starts over. Run it with `pnpm start:client [multiaddr]`.
// Against a peer that is not a liftoff server (Kubo, say) it stops after identify and ping.
import { createHash, randomBytes } from 'node:crypto'
import type { Connection } from '@libp2p/interface'
import { createNode, type Node, type NodeOptions } from './node.ts'
import { closes, dialWithRetry, identified, parseServerAddress, withDeadline } from './dial.ts'
import { ECHO_PROTOCOL, echo } from './echo.ts'
import { MESSAGES_PROTOCOL, MessageSession } from './messages.ts'
import { runClientMain } from './run/client.ts'

export interface ClientOptions extends Pick<NodeOptions, 'swarmKey' | 'noise'> {
  /** Printed in the first line, to tell clients apart. */
  name: string
  serverAddress: string
  dialDeadlineMs: number
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

const elapsedMs = (since: number): number => Math.round((performance.now() - since) * 10) / 10

/** An error's first line: libp2p explains some failures over several lines, and not everything thrown is an Error. */
const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message || err.name : String(err)).trim().split('\n')[0]!

/** How many times a client whose connection closed under its work dials again and starts over. */
const RECONNECTS = 3

// #region client
export async function runClient (options: ClientOptions, log = console.log): Promise<ClientReport> {
  const serverAddress = parseServerAddress(options.serverAddress)
  const node = await createNode({ swarmKey: options.swarmKey, noise: options.noise })
  try {
    log(`${options.name} ${node.peerId} dialling ${serverAddress}`)
    for (let reconnects = 0; ; reconnects++) {
      const started = performance.now()
      const { connection, attempts } = await dialWithRetry(node, serverAddress, {
        deadlineMs: options.dialDeadlineMs,
        onRetry: (attempt, error, waitMs) => {
          log(`attempt ${attempt} failed (${error.message}); retrying in ${waitMs} ms`)
        }
      })
      const dialMs = elapsedMs(started)
      log(`connected to ${connection.remotePeer} via ${connection.remoteAddr} in ${dialMs} ms (attempt ${attempts}; ` +
        `encryption ${connection.encryption}, muxer ${connection.multiplexer})`)
      try {
        return await exchange(node, connection, dialMs, options, log)
      } catch (err) {
        // The connection closed under the work (the server went away): dial again. On an open one an error is final.
        if (reconnects === RECONNECTS || !(await closes(node, connection, 2_000))) throw err
        log(`connection to ${connection.remotePeer} lost (${firstLine(err)}); dialling again`)
      }
    }
  } finally {
    await node.stop()
  }
}
// #endregion

// #region exchange
/** Identify, ping, messages and an echo over one connection. */
async function exchange (
  node: Node, connection: Connection, dialMs: number, options: ClientOptions, log: (line: string) => void
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

// The harness (src/run/client.ts): the configuration from the environment and argv, one-line errors, exit codes.
if (import.meta.main) await runClientMain(runClient)
