// Hostile input against the real server process: broken frames on /liftoff/pin/1.0.0, a request trickled
// a byte at a time, and odd HTTP requests at the trustless gateway. Each gets exactly what the rules say
// (the frame rules of scripts/testing/hostile.ts, the gateway's status per request below); the server
// keeps serving, and its memory stays bounded.
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { afterEach, expect, test } from 'vitest'
import {
  expectFramesRefused, hostileFrames, hostileRequests, rssMiB, trickle, type HostileRequest
} from '../../../../scripts/testing/hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { createNode } from '../src/node.ts'
import { PIN_PROTOCOL } from '../src/pinning.ts'
import type { Ready } from '../src/run/server.ts'
import { tempDir } from './fixtures.ts'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'

afterEach(stopAllProcesses)

const exampleDir = join(import.meta.dirname, '..')

async function start () {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir,
    env: {
      DATA_DIR: await tempDir(),
      LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
      GATEWAY_LISTEN: '127.0.0.1:0',
      SERVE_PATH: join(exampleDir, 'seed')
    }
  })
  const ready = await waitForReady<Ready>(server, 60_000)
  const client = await createNode()
  onCleanup('client stop()', () => client.stop())
  return { server, ready, client, address: multiaddr(ready.multiaddrs[0]!) }
}

const MAX_FRAME_BYTES = 4096
const frames = hostileFrames(MAX_FRAME_BYTES, ['{"cid":5}', '{"cid":{"/":"x"}}', '{"cid":"bafynotacid"}',
  '{"text":"x"}'])

test(`pin protocol: ${frames.length} hostile frames of every kind each get what the frame rules say ` +
  '(one error answer, a close, a reset); the server keeps serving within bounded memory', async () => {
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
  // the client starts its clock once its side of the stream is open, a few ms after the server starts the deadline
  expect(ms).toBeGreaterThanOrEqual(9_900)
  expect(ms).toBeLessThan(15_000)
}, 30_000)

/**
 * What this gateway answers a hostile request: a preflight 204, a method other than GET or HEAD 405, a path
 * outside /ipfs/<cid> 404, a CID that does not parse or a broken %-escape 400, and a request that asks for
 * neither a raw block nor a CAR (none of these do) 406: it is a trustless gateway.
 */
function gatewayStatus (request: HostileRequest): number {
  const path = new URL(request.path, 'http://gateway').pathname
  if (request.method === 'OPTIONS') return 204
  if (request.method !== 'GET' && request.method !== 'HEAD') return 405
  if (!/^\/ipfs\/[^/]+/.test(path)) return 404
  try {
    CID.parse(decodeURIComponent(path).split('/')[2]!)
  } catch {
    return 400
  }
  return 406
}

const oddRequests = hostileRequests(['a', 'b']).length
test(`gateway: ${oddRequests} odd methods, paths and bodies each get the status the gateway's rules say, ` +
  'and it keeps serving', async () => {
  const { server, ready } = await start()
  const wrong: string[] = []
  for (const request of hostileRequests([`/ipfs/${ready.cid}`, '/ipfs/bafynotacid'])) {
    const response = await fetch(`${ready.gateway}${request.path}`, {
      method: request.method,
      body: request.method === 'GET' ? undefined : request.body,
      headers: request.headers
    })
    await response.arrayBuffer()
    if (response.status !== gatewayStatus(request)) {
      wrong.push(`${request.kind}: ${request.method} ${request.path.slice(0, 60)} got ${response.status}, ` +
        `expected ${gatewayStatus(request)}`)
    }
  }
  expect(wrong).toEqual([])
  expectRunning(server)
  expect((await fetch(`${ready.gateway}/ipfs/${ready.cid}?format=raw`)).status).toBe(200)
})
