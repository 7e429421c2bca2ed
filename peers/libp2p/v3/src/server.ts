// The server role: a libp2p node that listens on TCP and WebSockets and serves echo, messages, identify
// and ping. Run it with `pnpm start:server`; src/run/config.ts lists the environment variables.
import { createNode, type Node, type NodeOptions } from './node.ts'
import { serveEcho } from './echo.ts'
import { serveMessages } from './messages.ts'
import { runServer } from './run/server.ts'

export interface ServerOptions extends NodeOptions {
  /** Bytes one echo stream may send before it is reset. */
  maxEchoBytes: number
  /** The largest request frame on the messages protocol. */
  maxMessageBytes: number
  /** A whole request frame must arrive within this after the previous answer. */
  messageTimeoutMs: number
  /** Concurrent streams of one protocol on one connection. */
  maxStreamsPerConnection: number
  log?: (line: string) => void
  /** After an echo stream is answered whole, with its length (the harness counts these for Prometheus). */
  onEchoed?: (bytes: number) => void
  /** After a request is answered, with whether it was accepted. */
  onMessage?: (ok: boolean) => void
}

// #region server
export async function startServer (options: ServerOptions): Promise<Node> {
  const log = options.log ?? console.log
  const node = await createNode(options)
  await serveEcho(node, {
    maxBytes: options.maxEchoBytes,
    maxStreamsPerConnection: options.maxStreamsPerConnection,
    onTooLong: (peer, bytes) => {
      log(`reset an echo stream from ${peer}: ${bytes} bytes, over the ${options.maxEchoBytes}-byte limit`)
    },
    onEchoed: (_peer, bytes) => options.onEchoed?.(bytes)
  })
  await serveMessages(node, {
    maxMessageBytes: options.maxMessageBytes,
    maxStreamsPerConnection: options.maxStreamsPerConnection,
    frameTimeoutMs: options.messageTimeoutMs,
    onRequest: (peer, request, response) => {
      options.onMessage?.(response.ok)
      log(`message from ${peer}: ${JSON.stringify(request)} → ${JSON.stringify(response)}`)
    },
    onOversized: (peer, error) => {
      log(`reset a stream from ${peer}: frame over the ${options.maxMessageBytes}-byte limit (${error.message})`)
    }
  })
  node.addEventListener('connection:open', ({ detail }) => {
    log(`connection from ${detail.remotePeer} via ${detail.remoteAddr}`)
  })
  node.addEventListener('connection:close', ({ detail }) => log(`connection closed: ${detail.remotePeer}`))
  return node
}
// #endregion

// The harness (src/run/): env config, identity file, Prometheus, the READY line, signals and a stop deadline.
if (import.meta.main) await runServer(startServer)
