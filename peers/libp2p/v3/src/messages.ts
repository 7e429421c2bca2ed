// /liftoff/messages/1.0.0: a request/response protocol. Each frame is a varint length prefix followed by
// that many bytes of UTF-8 JSON. A client may send several requests on one stream; the server answers each
// in order. A frame over the size limit resets the stream (and only that stream).
import { lpStream } from '@libp2p/utils'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
// lpStream lets a length prefix grow unchecked until it decodes (upstream); this bounds it
import { boundedLength } from './workarounds/bounded-length.ts'

export const MESSAGES_PROTOCOL = '/liftoff/messages/1.0.0'
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000

export interface MessageRequest {
  text: string
}

export type MessageResponse =
  | { ok: true, reply: string, receivedBytes: number, serverTime: string }
  | { ok: false, error: string }

function answer (request: unknown, receivedBytes: number): MessageResponse {
  if (typeof request !== 'object' || request === null || typeof (request as MessageRequest).text !== 'string') {
    return { ok: false, error: 'expected {"text": string}' }
  }
  const { text } = request as MessageRequest
  return { ok: true, reply: text.toUpperCase(), receivedBytes, serverTime: new Date().toISOString() }
}

export interface ServeMessagesOptions {
  maxMessageBytes?: number
  /** Concurrent message streams per connection. */
  maxStreamsPerConnection?: number
  /** A whole request frame must arrive within this after the previous answer (idle or trickling streams are reset). */
  frameTimeoutMs?: number
  /** Called once per stream that is reset for an oversized frame. */
  onOversized?: (remotePeer: PeerId, error: Error) => void
  onRequest?: (remotePeer: PeerId, request: unknown, response: MessageResponse) => void
}

// #region handler
export function serveMessages (node: Libp2p, options: ServeMessagesOptions = {}): Promise<void> {
  const maxDataLength = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const frameTimeoutMs = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
  return node.handle(MESSAGES_PROTOCOL, (stream, connection) => {
    const frames = lpStream(stream, { maxDataLength, lengthDecoder: boundedLength(maxDataLength) })
    const answerAll = async (): Promise<void> => {
      try {
        while (true) {
          const frame = await frames.read({ signal: AbortSignal.timeout(frameTimeoutMs) })
          let request: unknown
          try {
            request = JSON.parse(new TextDecoder().decode(frame.subarray()))
          } catch {
            request = undefined
          }
          const response = answer(request, frame.byteLength)
          options.onRequest?.(connection.remotePeer, request, response)
          await frames.write(new TextEncoder().encode(JSON.stringify(response)))
        }
      } catch (err) {
        const error = err as Error
        if (error.name === 'UnexpectedEOFError') { // the client closed its side, between frames or inside one
          await stream.close().catch(() => {})
          return
        }
        if (error.name === 'InvalidDataLengthError' || error.name === 'InvalidDataLengthLengthError') {
          options.onOversized?.(connection.remotePeer, error)
        }
        stream.abort(error)
      }
    }
    answerAll().catch((err: Error) => { stream.abort(err) })
  }, options.maxStreamsPerConnection === undefined
    ? undefined
    : { maxInboundStreams: options.maxStreamsPerConnection })
}
// #endregion

/** A client's side of the protocol: one stream, any number of requests, answered in order. */
export class MessageSession {
  private readonly stream: Stream
  private readonly frames: ReturnType<typeof lpStream<Stream>>
  private readonly maxMessageBytes: number

  private constructor (stream: Stream, maxMessageBytes: number) {
    this.stream = stream
    this.frames = lpStream(stream, { maxDataLength: maxMessageBytes })
    this.maxMessageBytes = maxMessageBytes
  }

  static async open (
    node: Libp2p, peer: PeerId | Multiaddr, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES
  ): Promise<MessageSession> {
    const stream = await node.dialProtocol(peer, MESSAGES_PROTOCOL)
    return new MessageSession(stream, maxMessageBytes)
  }

  async request (request: MessageRequest): Promise<MessageResponse> {
    const bytes = new TextEncoder().encode(JSON.stringify(request))
    if (bytes.byteLength > this.maxMessageBytes) {
      throw new Error(`message of ${bytes.byteLength} bytes is over the ${this.maxMessageBytes}-byte limit`)
    }
    await this.frames.write(bytes)
    const frame = await this.frames.read()
    return JSON.parse(new TextDecoder().decode(frame.subarray())) as MessageResponse
  }

  async close (): Promise<void> {
    await this.stream.close()
  }
}
