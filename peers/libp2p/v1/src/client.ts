// The client role: dials the server (retrying until a deadline) and does the work in src/exchange.ts (identify,
// ping, messages, an echo checked byte for byte); if the connection closes under that work (a server restart),
// it dials again and starts over. Run it with `pnpm start:client [multiaddr]`.
import { createNode, type NodeOptions } from './node.ts'
import { closes, dialWithRetry, parseServerAddress } from './dial.ts'
import { type ClientReport, elapsedMs, exchange, type Log } from './exchange.ts'
import { clientMain } from './run/client.ts'

export interface ClientOptions {
  name: string
  serverAddress: string
  dialDeadlineMs: number
  messages: string[]
  echoBytes: number
  maxMessageBytes: number
  node?: NodeOptions
}

export type { ClientReport } from './exchange.ts'

/** How many times a client whose connection closed under its work dials again and starts over. */
const RECONNECTS = 3

// #region run
export async function runClient (options: ClientOptions, log: Log = console.log): Promise<ClientReport> {
  const serverAddress = parseServerAddress(options.serverAddress)
  const node = await createNode(options.node)
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
        // The connection closed under the work (a server restart): dial again. On an open connection it is final.
        if (reconnects === RECONNECTS || !(await closes(node, connection, 2_000))) throw err
        log(`connection to ${connection.remotePeer} lost (${(err as Error).message}); dialling again`)
      }
    }
  } finally {
    await node.stop()
  }
}
// #endregion

// The harness: config from the environment and argv, the exit code and the process exit (src/run/client.ts).
if (import.meta.main) await clientMain(runClient)
