// Measures a shaped link between two test hosts, for the faults tier. `serve <address> <port>`: an echo
// server (prints `LISTENING <port>`). `bulk <host> <port> <bytes>`: sends that many bytes and times their
// echo (both directions at once), prints `BULK {"bytes":…,"ms":…}`. `ping <host> <port> <count>`: that many
// 32-byte exchanges one after the other on one connection, prints `PING {"rttsMs":[…]}`.
import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

const [mode, host = '', portText = '', amountText = ''] = process.argv.slice(2)
const port = Number(portText)
const amount = Number(amountText)

async function connect (): Promise<Socket> {
  const socket = createConnection(port, host)
  socket.setNoDelay(true)
  await once(socket, 'connect')
  return socket
}

/** Resolves once `socket` has received `bytes` more bytes. */
async function receive (socket: Socket, bytes: number): Promise<void> {
  let received = 0
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  const onData = (chunk: Buffer): void => {
    received += chunk.length
    if (received >= bytes) resolve()
  }
  const onEnd = (): void => reject(new Error(`the connection ended after ${received} of ${bytes} bytes`))
  socket.on('data', onData).once('end', onEnd).once('error', reject)
  try {
    await promise
  } finally {
    socket.off('data', onData).off('end', onEnd).off('error', reject)
  }
}

if (mode === 'serve') {
  const server = createServer(socket => {
    socket.setNoDelay(true)
    socket.on('error', () => socket.destroy())
    socket.pipe(socket)
  })
  server.listen(port, host, () => console.log(`LISTENING ${port}`))
} else if (mode === 'bulk' && amount > 0) {
  const socket = await connect()
  const started = performance.now()
  const echoed = receive(socket, amount)
  socket.write(Buffer.alloc(amount, 0x5a))
  await echoed
  console.log(`BULK ${JSON.stringify({ bytes: amount, ms: performance.now() - started })}`)
  socket.destroy()
} else if (mode === 'ping' && amount > 0) {
  const socket = await connect()
  const rttsMs: number[] = []
  for (let exchange = 0; exchange < amount; exchange++) {
    const started = performance.now()
    const echoed = receive(socket, 32)
    socket.write(Buffer.alloc(32, exchange))
    await echoed
    rttsMs.push(performance.now() - started)
  }
  console.log(`PING ${JSON.stringify({ rttsMs })}`)
  socket.destroy()
} else {
  console.error('link-probe: usage: serve <address> <port> | bulk <host> <port> <bytes> | ping <host> <port> <count>')
  process.exit(1)
}
