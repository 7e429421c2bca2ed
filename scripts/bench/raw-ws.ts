// The raw WebSockets baseline (the `ws` library libp2p's WebSockets transport uses), apart from measure.ts:
// example tests that reach measure.ts get copied into standalone projects, which do not have `ws`.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createWebSocketStream, WebSocket, WebSocketServer } from 'ws'
import { mibPerSecond, timed, writeAll } from './measure.ts'

/** A raw WebSocket sink (the `ws` library, as libp2p's WebSockets uses): drops every message, closes with the sender */
export async function rawWsSink (): Promise<{ port: number, close: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  server.on('connection', socket => { socket.on('message', () => {}) })
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => { await new Promise(resolve => server.close(resolve)) }
  }
}

/**
 * Raw WebSockets to a sink on `port`: one connection sending `bytes` in binary messages of `chunkSize`, masked
 * as every client's must be, then the closing handshake (which the sink answers after every message before
 * it). MiB/s, best of three.
 */
export async function rawWsThroughputTo (port: number, bytes: number, chunkSize = 64 * 1024): Promise<number> {
  const chunk = new Uint8Array(chunkSize).fill(7)
  const runs: number[] = []
  for (let run = 0; run < 3; run++) {
    const { ms } = await timed(async () => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`)
      await once(socket, 'open')
      const closed = once(socket, 'close')
      const stream = createWebSocketStream(socket)
      await writeAll(data => stream.write(data), () => once(stream, 'drain'), bytes, chunk)
      socket.close()
      await closed
    })
    runs.push(mibPerSecond(bytes, ms))
  }
  return Math.max(...runs)
}

/** Raw WebSockets with both ends in this process; best of three. */
export async function rawWsThroughput (bytes: number, chunkSize = 64 * 1024): Promise<number> {
  const sink = await rawWsSink()
  try {
    return await rawWsThroughputTo(sink.port, bytes, chunkSize)
  } finally {
    await sink.close()
  }
}
