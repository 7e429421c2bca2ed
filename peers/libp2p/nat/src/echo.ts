// The echo protocol, to measure a path: the listener writes back every byte it reads, within a byte budget
// and an idle timeout a stream; the dialer checks every byte comes back in order and times it.
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export const ECHO_PROTOCOL = '/ipfs-liftoff/nat-echo/1.0.0'
const WRITE_SIZE = 64 * 1024
/** Echo streams one connection may have open at once. */
const MAX_ECHO_STREAMS = 2

/** What one echo stream may take: ECHO_MAX_BYTES in all, and ECHO_IDLE_TIMEOUT_MS without a byte moving. */
export interface EchoLimits { maxBytes: number, idleTimeoutMs: number }

async function sendAll (stream: Stream, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += WRITE_SIZE) {
    if (!stream.send(data.subarray(offset, offset + WRITE_SIZE))) await stream.onDrain()
  }
}

/**
 * Echoes every stream on ECHO_PROTOCOL, relayed connections included (within the relay's limits), up to
 * `limits.maxBytes`; a stream that goes over, or idle (nothing sent, or our echo not read) for
 * `limits.idleTimeoutMs`, is reset, and `onEnded` says why.
 */
export async function handleEcho (
  node: Libp2p, limits: EchoLimits, onEnded?: (reason: string, connection: Connection) => void
): Promise<void> {
  await node.handle(ECHO_PROTOCOL, async (stream, connection) => {
    const end = (reason: string): void => {
      onEnded?.(reason, connection)
      stream.abort(new Error(reason))
    }
    let idle: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      clearTimeout(idle)
      idle = setTimeout(() => end(`idle for ${limits.idleTimeoutMs} ms`), limits.idleTimeoutMs)
    }
    arm()
    let echoed = 0
    try {
      for await (const chunk of stream) {
        arm()
        echoed += chunk.byteLength
        if (echoed > limits.maxBytes) {
          end(`over ${limits.maxBytes} bytes`)
          return
        }
        await sendAll(stream, chunk.subarray())
      }
      await stream.close()
    } catch (err) {
      if (stream.status === 'open') stream.abort(err as Error)
    } finally {
      clearTimeout(idle)
    }
  }, { runOnLimitedConnection: true, maxInboundStreams: MAX_ECHO_STREAMS })
}

/** Sends `bytes` random bytes on `connection` and checks they all come back in order; the ms it took. */
export async function echoBytes (connection: Connection, bytes: number): Promise<number> {
  const payload = crypto.getRandomValues(new Uint8Array(Math.min(bytes, 65_536)))
  const started = performance.now()
  const stream = await connection.newStream(ECHO_PROTOCOL, { runOnLimitedConnection: true })
  let received = 0
  const reading = (async () => {
    for await (const chunk of stream) {
      const data = chunk.subarray()
      for (let index = 0; index < data.byteLength; index++) {
        if (data[index] !== payload[(received + index) % payload.byteLength]) {
          throw new Error(`the echo differs at byte ${received + index}`)
        }
      }
      received += data.byteLength
    }
  })()
  try {
    for (let sent = 0; sent < bytes; sent += payload.byteLength) {
      await sendAll(stream, payload.subarray(0, Math.min(payload.byteLength, bytes - sent)))
    }
    await stream.close()
    await reading
  } catch (err) {
    await reading.catch(() => {})
    const reset = stream.status === 'reset' || stream.status === 'aborted' || (err as Error).name === 'StreamResetError'
    if (reset) {
      throw new Error(`the listener ended the echo after ${received} of ${bytes} bytes (it echoes at most its ` +
        'ECHO_MAX_BYTES, and ends an echo idle for ECHO_IDLE_TIMEOUT_MS)')
    }
    throw err
  }
  if (received !== bytes) throw new Error(`the echo stream ended after ${received} of ${bytes} bytes`)
  return performance.now() - started
}
