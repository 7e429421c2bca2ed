// A TCP relay that adds DELAY_MS to each direction: listens on 127.0.0.1 (a free port, printed as
// `LISTENING <port>`) and forwards every connection to TARGET (host:port). Bytes keep their order; a
// side's close or error is passed on after the same delay. Used by the faults tier, where the kernel has no
// netem to delay packets.
import { createConnection, createServer, type Socket } from 'node:net'

const [targetHost = '', targetPort = ''] = (process.env.TARGET ?? '').split(/:(?=\d+$)/)
const delayMs = Number(process.env.DELAY_MS ?? 100)
if (targetHost === '' || !/^\d+$/.test(targetPort)) {
  console.error('delay-relay: TARGET must be host:port')
  process.exit(1)
}

/** Everything `from` sends reaches `to` delayMs later, in order; so does its end. */
function pipeDelayed (from: Socket, to: Socket): void {
  from.on('data', chunk => setTimeout(() => { if (!to.destroyed) to.write(chunk) }, delayMs))
  from.on('end', () => setTimeout(() => to.end(), delayMs))
  from.on('error', () => setTimeout(() => to.destroy(), delayMs))
}

const server = createServer(client => {
  const upstream = createConnection(Number(targetPort), targetHost)
  client.setNoDelay(true)
  upstream.setNoDelay(true)
  pipeDelayed(client, upstream)
  pipeDelayed(upstream, client)
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  console.log(`LISTENING ${address.port}`)
})
