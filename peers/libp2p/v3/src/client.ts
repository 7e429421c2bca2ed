// The client role: dials the server (retrying until a deadline), identifies and pings it, exchanges
// messages, echoes a random payload and checks it byte for byte. Run it with `pnpm start:client [multiaddr]`.
// Against a peer that is not a liftoff server (Kubo, say) it stops after identify and ping.
import { createHash, randomBytes } from 'node:crypto'
import { createNode } from './node.ts'
import { dialWithRetry, identified, parseServerAddress, withDeadline } from './dial.ts'
import { ECHO_PROTOCOL, echo } from './echo.ts'
import { MESSAGES_PROTOCOL, MessageSession } from './messages.ts'
import { oneLine, readClientConfig, type ClientConfig } from './config.ts'

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

function elapsedMs (since: number): number {
  return Math.round((performance.now() - since) * 10) / 10
}

export async function runClient (config: ClientConfig, log: (line: string) => void = console.log): Promise<ClientReport> {
  const serverAddress = parseServerAddress(config.serverAddress)
  const node = await createNode({ swarmKey: config.swarmKey })
  try {
    log(`${config.name} ${node.peerId} dialling ${serverAddress}`)
    let started = performance.now()
    const { connection, attempts } = await dialWithRetry(node, serverAddress, {
      deadlineMs: config.dialDeadlineMs,
      onRetry: (attempt, error, waitMs) => log(`attempt ${attempt} failed (${error.message}); retrying in ${waitMs} ms`)
    })
    const dialMs = elapsedMs(started)
    const server = connection.remotePeer
    log(`connected to ${server} via ${connection.remoteAddr} in ${dialMs} ms (attempt ${attempts}; encryption ${connection.encryption}, muxer ${connection.multiplexer})`)

    const { agentVersion, protocols } = await identified(node, connection, 10_000)
    log(`identify: agent ${agentVersion ?? 'unknown'}; protocols ${protocols.join(' ')}`)

    const pingMs = await withDeadline(10_000, async signal => node.services.ping.ping(server, { signal }))
    log(`ping: ${pingMs} ms`)
    const identifiedServer = { serverPeerId: server.toString(), agentVersion, protocols, dialMs, pingMs }
    if (!protocols.includes(MESSAGES_PROTOCOL) || !protocols.includes(ECHO_PROTOCOL)) {
      log(`${server} does not speak ${MESSAGES_PROTOCOL} and ${ECHO_PROTOCOL}: not a liftoff server, so identify and ping is all`)
      return { ...identifiedServer, replies: [], echoedBytes: 0, echoMs: 0 }
    }

    const session = await MessageSession.open(node, server, config.maxMessageBytes)
    const replies: string[] = []
    for (const text of config.messages) {
      started = performance.now()
      const response = await session.request({ text })
      if (!response.ok) throw new Error(`server refused message "${text}": ${response.error}`)
      log(`sent "${text}" → received "${response.reply}" (${elapsedMs(started)} ms)`)
      replies.push(response.reply)
    }
    await session.close()

    const payload = randomBytes(config.echoBytes)
    started = performance.now()
    const returned = await echo(node, server, payload)
    const echoMs = elapsedMs(started)
    if (!payload.equals(returned)) {
      throw new Error(`echo mismatch: sent ${payload.byteLength} bytes, got ${returned.byteLength} back with different content`)
    }
    const digest = createHash('sha256').update(returned).digest('hex').slice(0, 16)
    const mibPerSecond = (payload.byteLength * 2 / 1024 / 1024) / (echoMs / 1000)
    log(`echo: ${payload.byteLength} bytes sent and returned intact (sha256 ${digest}…) in ${echoMs} ms, ${mibPerSecond.toFixed(1)} MiB/s both ways`)
    return { ...identifiedServer, replies, echoedBytes: returned.byteLength, echoMs }
  } finally {
    await node.stop()
  }
}

if (import.meta.main) {
  const started = performance.now()
  try {
    await runClient(readClientConfig(process.env, process.argv.slice(2)))
    console.log(`done in ${elapsedMs(started)} ms`)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}
