// Hostile input against the real server process: broken frames on /liftoff/pin/1.0.0, a request trickled
// a byte at a time, and odd HTTP requests at the trustless gateway. Each gets an error answer, a close, a
// reset or a 4xx; the server keeps serving, and its memory stays bounded.
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { expectFramesRefused, hostileFrames, hostileRequests, rssMiB, trickle } from '../../../../scripts/testing/hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { createNode } from '../src/node.ts'
import { PIN_PROTOCOL } from '../src/pinning.ts'
import type { Ready } from '../src/server.ts'
import { tempDir } from './fixtures.ts'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'

afterEach(stopAllProcesses)

const exampleDir = join(import.meta.dirname, '..')

async function start () {
  const server = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', GATEWAY_LISTEN: '127.0.0.1:0', SERVE_PATH: join(exampleDir, 'seed') } })
  const ready = await waitForReady<Ready>(server, 60_000)
  const client = await createNode()
  onCleanup('client stop()', () => client.stop())
  return { server, ready, client, address: multiaddr(ready.multiaddrs[0]!) }
}

const MAX_FRAME_BYTES = 4096
const frames = hostileFrames(MAX_FRAME_BYTES, ['{"cid":5}', '{"cid":{"/":"x"}}', '{"cid":"bafynotacid"}', '{"text":"x"}'])

test(`pin protocol: ${frames.length} hostile frames of every kind each get what the frame rules say (one error answer, a close, a reset); the server keeps serving within bounded memory`, async () => {
  const { server, ready, client, address } = await start()
  const before = await rssMiB(server.child.pid!)
  await expectFramesRefused(client.libp2p, address, PIN_PROTOCOL, frames, MAX_FRAME_BYTES, 'one')
  expectRunning(server)
  // still serving: the seed directory's root block through the gateway
  expect((await fetch(`${ready.gateway}/ipfs/${ready.cid}?format=raw`)).status).toBe(200)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

test('pin protocol: a request trickled a byte at a time is reset at its 10 s deadline, not before', async () => {
  const { client, address } = await start()
  const stream = await client.libp2p.dialProtocol(address, PIN_PROTOCOL)
  const { end, answers, ms } = await trickle(stream, 200)
  expect({ end, answers }).toEqual({ end: 'reset', answers: [] })
  expect(ms).toBeGreaterThanOrEqual(10_000)
  expect(ms).toBeLessThan(15_000)
}, 30_000)

test(`gateway: ${hostileRequests(['a', 'b']).length} odd methods, paths and bodies get 4xx (never 5xx), and it keeps serving`, async () => {
  const { server, ready } = await start()
  const requests = hostileRequests([`/ipfs/${ready.cid}`, '/ipfs/bafynotacid'])
  const statuses = new Set<number>()
  for (const request of requests) {
    const response = await fetch(`${ready.gateway}${request.path}`, { method: request.method, body: request.method === 'GET' ? undefined : request.body, headers: request.headers })
    await response.arrayBuffer()
    statuses.add(response.status)
    expect(response.status, `${request.method} ${request.path.slice(0, 60)}`).toBeLessThan(500)
  }
  expect([...statuses].some(status => status >= 400)).toBe(true)
  expectRunning(server)
  expect((await fetch(`${ready.gateway}/ipfs/${ready.cid}?format=raw`)).status).toBe(200)
})
