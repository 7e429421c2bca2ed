// The hostile-input tests of an OrbitDB example's hosting protocol (/liftoff/orbitdb-host/1.0.0), written once
// for both majors: each example's test/hostile.test.ts passes its own node and protocol functions, and the tests
// start that example's real server process. Every kind of broken frame, requests of the wrong shape or for
// addresses that are not OrbitDB's, and a request trickled a byte at a time each get exactly what the frame rules
// say (hostile.ts expectedExchange): one error answer for a whole frame, a close where the input ends, a reset for
// a length it cannot accept or a deadline missed; the server keeps serving, and its memory stays bounded.
import { afterEach, expect, test } from 'vitest'
import { onCleanup, tempDir } from './cleanup.ts'
import { expectFramesRefused, hostileFrames, rssMiB, trickle, type Dialer } from './hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from './processes.ts'

/** What the tests need of an example: its folder, its node and its hosting protocol's client side. */
export interface HostingExample<Peer, Address, Node extends HostingClient<Peer, Address>> {
  exampleDir: string
  createNode: (options: { dataDir: string }) => Promise<Node>
  parseServerAddress: (text: string) => Address
  askServer: (
    node: Node, server: Peer, request: { op: 'host', address: string }, signal: AbortSignal
  ) => Promise<{ address: string }>
  hostProtocol: string
}

interface HostingClient<Peer, Address> {
  libp2p: Dialer<Address> & {
    dial: (address: Address) => Promise<unknown>
    getConnections: () => Array<{ remotePeer: Peer }>
  }
  stop: () => Promise<void>
}

const MAX_FRAME_BYTES = 64 * 1024
const frames = hostileFrames(MAX_FRAME_BYTES, [
  '{"op":"nope","address":"x"}',
  '{"op":"host"}',
  '{"op":"host","address":5}',
  '{"op":"await","address":"/orbitdb/zdpu","heads":"x","timeoutMs":-1}',
  '{"op":"await","address":"/orbitdb/zdpu","heads":[1],"timeoutMs":1000}',
  '{"op":"host","address":"/not/orbitdb"}'
])

export function hostileHostingTests<Peer, Address, Node extends HostingClient<Peer, Address>> (
  example: HostingExample<Peer, Address, Node>
): void {
  afterEach(stopAllProcesses)

  async function start () {
    const env = { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' }
    const server = startProcess(['node', 'src/server.ts'], { cwd: example.exampleDir, env })
    const ready = await waitForReady<{ multiaddrs: string[], address: string }>(server, 60_000)
    const client = await example.createNode({ dataDir: await tempDir() })
    onCleanup('client stop()', () => client.stop())
    const address = example.parseServerAddress(ready.multiaddrs[0]!)
    await client.libp2p.dial(address)
    return { server, ready, client, address }
  }

  test(`host protocol: ${frames.length} hostile frames of every kind each get what the frame rules say (one ` +
    'error answer, a close, a reset); the server keeps serving within bounded memory', async () => {
    const { server, ready, client, address } = await start()
    const before = await rssMiB(server.child.pid!)
    await expectFramesRefused(client.libp2p, address, example.hostProtocol, frames, MAX_FRAME_BYTES, 'one')
    expectRunning(server)
    // still serving: it answers for its own database
    const serverPeer = client.libp2p.getConnections()[0]!.remotePeer
    const request = { op: 'host', address: ready.address } as const
    const answer = await example.askServer(client, serverPeer, request, AbortSignal.timeout(15_000))
    expect(answer.address).toBe(ready.address)
    expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
  })

  test('host protocol: a request trickled a byte at a time is reset at its 10 s deadline, not before', async () => {
    const { client, address } = await start()
    const stream = await client.libp2p.dialProtocol(address, example.hostProtocol)
    const { end, answers, ms } = await trickle(stream, 200)
    expect({ end, answers }).toEqual({ end: 'reset', answers: [] })
    // the client starts its clock once its side of the stream is open, a few ms after the server starts the deadline
    expect(ms).toBeGreaterThanOrEqual(9_900)
    expect(ms).toBeLessThan(15_000)
  }, 30_000)
}
