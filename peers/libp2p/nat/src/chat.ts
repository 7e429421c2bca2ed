// The chat protocol both peers behind NAT speak: one length-prefixed UTF-8 message per stream, answered with
// one ("echo: <message>"); anything else resets the stream. It runs on relayed (limited) connections too, so
// the peers can talk before, and without, a direct connection.
import { lpStream } from '@libp2p/utils'
import { boundedLength } from './workarounds/bounded-length.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

export const CHAT_PROTOCOL = '/ipfs-liftoff/nat-chat/1.0.0'
/** The longest chat message, in bytes of UTF-8; its answer is "echo: " longer. */
export const MAX_MESSAGE_BYTES = 4096
const MAX_ANSWER_BYTES = MAX_MESSAGE_BYTES + 'echo: '.length
/** A message (and its answer) must arrive whole within this. */
export const CHAT_TIMEOUT_MS = 10_000
/** Chat streams one connection may have open at once, each way. */
const MAX_CHAT_STREAMS = 8
// a relayed connection carries the chat too, within the relay's limits
const streamOptions = { runOnLimitedConnection: true, maxInboundStreams: MAX_CHAT_STREAMS }

/** Why a chat stream was refused, in words. */
function refusal (err: Error, signal: AbortSignal): string {
  if (err.name === 'InvalidDataLengthError') return `a message over ${MAX_MESSAGE_BYTES} bytes`
  if (err.name === 'InvalidDataLengthLengthError') return err.message
  if (signal.aborted) return `no whole message within ${CHAT_TIMEOUT_MS} ms`
  return err.message
}

type OnMessage = (text: string, connection: Connection) => void
type OnRefused = (reason: string, connection: Connection) => void

// #region chat
/**
 * Answers every chat message with "echo: <message>"; `onMessage` sees each one, `onRefused` each stream reset
 * instead (a message over MAX_MESSAGE_BYTES or not whole within CHAT_TIMEOUT_MS).
 */
export async function handleChat (node: Libp2p, onMessage: OnMessage, onRefused?: OnRefused): Promise<void> {
  await node.handle(CHAT_PROTOCOL, async (stream, connection) => {
    const maxDataLength = MAX_MESSAGE_BYTES
    const messages = lpStream(stream, { maxDataLength, lengthDecoder: boundedLength(maxDataLength) })
    const signal = AbortSignal.timeout(CHAT_TIMEOUT_MS)
    try {
      const text = new TextDecoder().decode((await messages.read({ signal })).subarray())
      onMessage(text, connection)
      await messages.write(new TextEncoder().encode(`echo: ${text}`), { signal })
      await stream.close({ signal })
    } catch (err) {
      onRefused?.(refusal(err as Error, signal), connection)
      stream.abort(err as Error)
    }
  }, streamOptions)
}

/** A chat message's bytes, refused here, before sending, when it is over MAX_MESSAGE_BYTES. */
export function checkMessage (text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new Error(`not sent: a message of ${bytes.byteLength} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit`)
  }
  return bytes
}

/** Sends one message on `connection` and resolves with the answer. */
export async function sendChat (connection: Connection, text: string): Promise<string> {
  const bytes = checkMessage(text)
  const signal = AbortSignal.timeout(CHAT_TIMEOUT_MS)
  const stream = await connection.newStream(CHAT_PROTOCOL, {
    signal, runOnLimitedConnection: true, maxOutboundStreams: MAX_CHAT_STREAMS
  })
  const maxDataLength = MAX_ANSWER_BYTES
  const messages = lpStream(stream, { maxDataLength, lengthDecoder: boundedLength(maxDataLength) })
  await messages.write(bytes, { signal })
  const answer = new TextDecoder().decode((await messages.read({ signal })).subarray())
  await stream.close({ signal })
  return answer
}
// #endregion
