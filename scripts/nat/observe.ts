// What a peer on the other side of a NAT sees. `observe.ts server <port>`: answers every UDP datagram and
// every TCP connection with the address and port it came from, and prints LISTENING. `observe.ts client
// <local port> <host:port>...`: from one UDP socket bound to <local port>, asks each server in turn and prints
// `<server> sees <address>:<port>`, one line each. `observe.ts dial <host:port> <ms>`: one TCP connection,
// prints what the server saw, or `no answer in <ms> ms`. `observe.ts punch <port> same|fresh <host:port> <ms>`:
// listens on UDP <port> and sends to <host:port> every 50 ms, from that socket (same) or from a new one on an
// ephemeral port (fresh, as js-libp2p dials), until it has heard from the peer and sent a few more, or <ms>
// pass; prints `heard <n> packets from <peer>` or `heard nothing from <peer> in <ms> ms`.
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
  const outcome = await Promise.race([
    once(socket, 'end').then(() => `sees ${Buffer.concat(chunks).toString()}`),
    once(socket, 'timeout').then(() => `no answer in ${args[1]} ms`)
  ])
  socket.destroy()
  console.log(outcome)
} else if (mode === 'punch') {
  const [port, from, peer, ms] = [Number(args[0]), args[1], endpoint(args[2]!), Number(args[3])]
  const listening = createSocket('udp6')
  listening.bind(port, '::')
  await once(listening, 'listening')
  const sending = from === 'same' ? listening : createSocket('udp6')
  if (sending !== listening) {
    sending.bind(0, '::')
    await once(sending, 'listening')
  }
  let heard = 0
  for (const socket of new Set([listening, sending])) socket.on('message', () => { heard++ })
  const deadline = Date.now() + ms
  // keep sending a little after the first packet in, so the peer hears us too
  // eslint-disable-next-line no-unmodified-loop-condition -- the sockets' message handler counts heard
  while (Date.now() < deadline && heard < 5) {
    sending.send('punch', peer.port, peer.address)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  console.log(
    heard > 0
      ? `heard ${heard} packets from [${peer.address}]:${peer.port}`
      : `heard nothing from [${peer.address}]:${peer.port} in ${ms} ms`
  )
  for (const socket of new Set([listening, sending])) socket.close()
} else {
  console.error(
    'usage: observe.ts server <port> | client <local port> <host:port>... ' +
      '| dial <host:port> <ms> | punch <port> same|fresh <host:port> <ms>'
  )
  process.exitCode = 1
}
