// What a peer on the other side of a NAT sees. `observe.ts server <port>`: answers every UDP datagram and
// every TCP connection with the address and port it came from, and prints LISTENING. `observe.ts client
// <local port> <host:port>...`: from one UDP socket bound to <local port>, asks each server in turn and prints
// `<server> sees <address>:<port>`, one line each. `observe.ts dial <host:port> <ms>`: one TCP connection,
// prints what the server saw, or `no answer in <ms> ms`.
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { createServer, connect } from 'node:net'

const [mode, ...args] = process.argv.slice(2)
const endpoint = (text: string): { address: string, port: number } => {
  const at = text.lastIndexOf(':')
  return { address: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) }
}

if (mode === 'server') {
  const port = Number(args[0])
  const udp = createSocket('udp6')
  udp.on('message', (_message, from) => udp.send(`${from.address}:${from.port}`, from.port, from.address))
  udp.bind(port, '::')
  await once(udp, 'listening')
  const tcp = createServer(socket => socket.end(`${socket.remoteAddress}:${socket.remotePort}`))
  tcp.listen(port, '::')
  await once(tcp, 'listening')
  console.log('LISTENING')
} else if (mode === 'client') {
  const udp = createSocket('udp6')
  udp.bind(Number(args[0]), '::')
  await once(udp, 'listening')
  for (const server of args.slice(1)) {
    const { address, port } = endpoint(server)
    udp.send('who am I', port, address)
    const [answer] = await once(udp, 'message', { signal: AbortSignal.timeout(5000) }) as [Buffer]
    console.log(`${server} sees ${answer.toString()}`)
  }
  udp.close()
} else if (mode === 'dial') {
  const { address, port } = endpoint(args[0]!)
  const socket = connect({ host: address, port, timeout: Number(args[1]) })
  const chunks: Buffer[] = []
  socket.on('data', chunk => chunks.push(chunk))
  const outcome = await Promise.race([once(socket, 'end').then(() => `sees ${Buffer.concat(chunks).toString()}`), once(socket, 'timeout').then(() => `no answer in ${args[1]} ms`)])
  socket.destroy()
  console.log(outcome)
} else {
  console.error('usage: observe.ts server <port> | client <local port> <host:port>... | dial <host:port> <ms>')
  process.exitCode = 1
}
