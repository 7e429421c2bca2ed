// Hostile input against the real server process on /liftoff/orbitdb-host/1.0.0: broken frames, requests
// for addresses that are not OrbitDB's, and a request trickled a byte at a time. Each gets an error answer,
// a close or a reset; the server keeps serving, and its memory stays bounded.
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { hostileFrames, rawExchange, rssMiB, trickle } from '../../../../scripts/testing/hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { createNode } from '../src/node.ts'
import { askServer, HOST_PROTOCOL } from '../src/replication.ts'
import type { Ready } from '../src/server.ts'
import { tempDir } from './fixtures.ts'

afterEach(stopAllProcesses)

async function start () {
  const server = startProcess(['node', 'src/server.ts'], { cwd: join(import.meta.dirname, '..'), env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' } })
  const ready = await waitForReady<Ready>(server, 60_000)
  const client = await createNode({ dataDir: await tempDir() })
  onCleanup('client stop()', () => client.stop())
  const address = multiaddr(ready.multiaddrs[0]!)
  await client.libp2p.dial(address)
  return { server, ready, client, address }
}

const frames = hostileFrames(64 * 1024)

test(`host protocol: ${frames.length} hostile frames each get an error answer, a close or a reset; the server keeps serving within bounded memory`, async () => {
  const { server, ready, client, address } = await start()
  const before = await rssMiB(server.child.pid!)
  const outcomes = new Map<string, Set<string>>()
  for (const input of frames) {
    const outcome = await rawExchange(client.libp2p, address, HOST_PROTOCOL, input.bytes)
    outcomes.set(input.kind, new Set([...outcomes.get(input.kind) ?? [], outcome]))
  }
  expect(outcomes.get('frame over the limit')).toEqual(new Set(['reset']))
  expect(outcomes.get('huge length prefix')).toEqual(new Set(['reset']))
  expectRunning(server)
  // still serving: it answers for its own database
  const answer = await askServer(client, client.libp2p.getConnections()[0]!.remotePeer, { op: 'host', address: ready.address }, AbortSignal.timeout(15_000))
  expect(answer.address).toBe(ready.address)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

test('host protocol: a request trickled a byte at a time is reset within its 10 s deadline', async () => {
  const { client, address } = await start()
  const stream = await client.libp2p.dialProtocol(address, HOST_PROTOCOL)
  const { outcome, ms } = await trickle(stream, 200)
  expect(outcome).toBe('reset')
  expect(ms).toBeLessThan(15_000)
}, 30_000)
