// The client role: dials the server (retrying until a deadline) and does the work in src/exchange.ts (identify,
// ping, messages, an echo checked byte for byte); if the connection closes under that work (a server restart),
// it dials again and starts over. Run it with `pnpm start:client [multiaddr]`.
import { createNode, type NodeOptions } from './node.ts'
import { closes, dialWithRetry, parseServerAddress } from './dial.ts'
import { type ClientReport, elapsedMs, exchange } from './exchange.ts'
import { runClientMain } from './run/client.ts'

export interface ClientOptions extends Pick<NodeOptions, 'swarmKey' | 'noise' | 'yamux'> {
  /** Printed in the first line, to tell clients apart. */
  name: string
  serverAddress: string
  dialDeadlineMs: number
  messages: string[]
  echoBytes: number
  maxMessageBytes: number
}

export type { ClientReport } from './exchange.ts'

/** An error's first line: libp2p explains some failures over several lines, and not everything thrown is an Error. */
const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message || err.name : String(err)).trim().split('\n')[0]!

/** How many times a client whose connection closed under its work dials again and starts over. */
const RECONNECTS = 3

// #region client
export async function runClient (options: ClientOptions, log = console.log): Promise<ClientReport> {
  const serverAddress = parseServerAddress(options.serverAddress)
  const node = await createNode({ swarmKey: options.swarmKey, noise: options.noise, yamux: options.yamux })
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

// The harness (src/run/client.ts): the configuration from the environment and argv, one-line errors, exit codes.
if (import.meta.main) await runClientMain(runClient)
