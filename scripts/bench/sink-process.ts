// One side of a throughput pair in a process of its own, as users run peers: a sink that drains what it is
// sent and closes once the sender is done. SINK=raw: plain TCP (the sender half-closes, the sink closes);
// SINK=raw-ws: plain WebSockets (the `ws` library; the sink answers the closing handshake);
// SINK=libp2p-v1 or libp2p-v3: that example's node with the benchmark's sink protocol on TCP and WebSockets,
// YAMUX=defaults or shipped (the example's tuning). Prints READY {json}; SIGTERM stops it. PROFILE_TABLE=<file>:
// the sink profiles itself from READY until SIGTERM and writes the table of where its time went there.
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { rawWsSink } from './raw-ws.ts'
import { startCpuProfile } from './profile.ts'
import { createServer, type AddressInfo } from 'node:net'

async function start (): Promise<{ ready: object, stop: () => Promise<void> }> {
  const sink = process.env.SINK
  const shipped = process.env.YAMUX === 'shipped'
  if (sink === 'raw') {
    const server = createServer(socket => {
      socket.resume()
      socket.on('end', () => socket.end())
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    return { ready: { port: (server.address() as AddressInfo).port }, stop: async () => { server.close() } }
  }
  if (sink === 'raw-ws') {
    const { port, close } = await rawWsSink()
    return { ready: { port }, stop: close }
  }
  if (sink === 'libp2p-v1') {
    const { sinkServer } = await import('./libp2p-v1.ts')
    const { yamuxTuning } = await import('../../peers/libp2p/v1/src/tuned/yamux.ts')
    const server = await sinkServer(shipped ? yamuxTuning : {})
    return { ready: { multiaddrs: server.getMultiaddrs().map(String) }, stop: async () => server.stop() }
  }
  if (sink === 'libp2p-v3') {
    const { sinkServer } = await import('./libp2p-v3.ts')
    const { yamuxTuning } = await import('../../peers/libp2p/v3/src/tuned/yamux.ts')
    const server = await sinkServer(shipped ? yamuxTuning : {})
    return { ready: { multiaddrs: server.getMultiaddrs().map(String) }, stop: async () => server.stop() }
  }
  throw new Error(`SINK must be raw, raw-ws, libp2p-v1 or libp2p-v3, not "${sink ?? ''}"`)
}

try {
  const { ready, stop } = await start()
  const profileTable = process.env.PROFILE_TABLE
  const stopProfile = profileTable === undefined ? undefined : await startCpuProfile()
  process.once('SIGTERM', () => {
    const written =
      stopProfile === undefined
        ? Promise.resolve()
        : stopProfile().then(async table => writeFile(profileTable!, table + '\n'))
    written.then(stop).then(
      () => process.exit(0),
      () => process.exit(1)
    )
  })
  console.log(`READY ${JSON.stringify(ready)}`)
} catch (err) {
  console.error(`sink-process: ${(err as Error).message}`)
  process.exit(1)
}
