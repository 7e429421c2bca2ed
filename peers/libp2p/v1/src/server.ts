// The server role: a libp2p node that listens on TCP and WebSockets and serves echo, messages, identify
// and ping. Run it with `pnpm start:server`; src/run/config.ts lists the environment variables.
import type { PeerId } from '@libp2p/interface'
import { createNode, type Node, type NodeOptions } from './node.ts'
import { serveEcho } from './echo.ts'
import { serveMessages, type MessageResponse } from './messages.ts'
import { serverMain } from './run/server.ts'

export interface ServerOptions extends NodeOptions {
  peerId: PeerId
  /** Bytes one request frame may hold. */
  maxMessageBytes: number
  /** A whole request frame must arrive within this after the previous answer. */
  messageTimeoutMs: number
  /** Bytes one echo stream may send before it is reset. */
  maxEchoBytes: number
  /** Concurrent streams of one protocol on one connection. */
  maxStreamsPerConnection: number
  /** Told each echo stream answered whole and each request answered (the harness counts them). */
  onEchoed?: (bytes: number) => void
  onAnswered?: (response: MessageResponse) => void
}

// #region start
export async function startServer (options: ServerOptions, log: (line: string) => void = console.log): Promise<Node> {
  const node = await createNode(options)
  const { maxStreamsPerConnection } = options
  await serveEcho(node, {
    maxBytes: options.maxEchoBytes,
    maxStreamsPerConnection,
    onTooLong: (peer, bytes) => {
      log(`reset an echo stream from ${peer}: ${bytes} bytes, over the ${options.maxEchoBytes}-byte limit`)
    },
    onEchoed: (_peer, bytes) => options.onEchoed?.(bytes)
  })
  await serveMessages(node, {
    maxMessageBytes: options.maxMessageBytes,
    maxStreamsPerConnection,
    frameTimeoutMs: options.messageTimeoutMs,
    onRequest: (peer, request, response) => {
      options.onAnswered?.(response)
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

// The harness: env config, identity, metrics, the READY line and ready file, signals (src/run/server.ts).
if (import.meta.main) await serverMain(startServer)
