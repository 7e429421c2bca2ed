// Hostile input against the local runner's HTTP API (a real server process): odd methods, paths and
// bodies, a body over the limit, and a client that trickles its headers. Each gets a 4xx or a closed
// socket, never a 5xx; the runner keeps serving, and its memory stays bounded.
import { connect } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../../../../scripts/testing/cleanup.ts'
import { hostileRequests, rssMiB } from '../../../../scripts/testing/hostile.ts'
import { expectRunning, startProcess, stopAllProcesses, unusedPort, waitForReady } from '../../../../scripts/testing/processes.ts'
import { MAX_BODY_BYTES } from '../src/runner/api.ts'

afterEach(stopAllProcesses)

async function start () {
  const port = await unusedPort()
  const server = startProcess(['node', 'src/server.ts'], { cwd: join(import.meta.dirname, '..'), env: { DATA_DIR: await tempDir(), API_LISTEN: `127.0.0.1:${port}`, IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' } })
  const ready = await waitForReady<{ api: string }>(server, 60_000)
  return { server, api: ready.api, port }
}

const paths = ['/api/v1/orchestrator/jobs', '/api/v1/orchestrator/jobs/j-nope', '/api/v1/orchestrator/jobs/j-nope/executions']

test(`${hostileRequests(paths).length} odd methods, paths and bodies get 4xx (never 5xx); the runner keeps serving within bounded memory`, async () => {
  const { server, api } = await start()
  const before = await rssMiB(server.child.pid!)
  for (const request of hostileRequests(paths)) {
    const response = await fetch(`${api}${request.path}`, { method: request.method, body: request.method === 'GET' ? undefined : request.body, headers: request.headers })
    await response.arrayBuffer()
    expect(response.status, `${request.method} ${request.path.slice(0, 60)}`).toBeLessThan(500)
  }
  expectRunning(server)
  expect((await fetch(`${api}/api/v1/agent/version`)).status).toBe(200)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

test('a body over the limit gets 413 (or the socket closed mid-upload), and the runner keeps serving', async () => {
  const { server, api } = await start()
  const outcome = await fetch(`${api}/api/v1/orchestrator/jobs`, { method: 'PUT', body: new Uint8Array(MAX_BODY_BYTES + 1024), headers: { 'Content-Type': 'application/json' } })
    .then(async response => { await response.arrayBuffer(); return response.status }, () => 'closed')
  expect([413, 'closed']).toContain(outcome)
  expectRunning(server)
  expect((await fetch(`${api}/api/v1/agent/version`)).status).toBe(200)
})

test('a client that trickles its headers is cut off within the 10 s header deadline', async () => {
  const { port } = await start()
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = Date.now()
  socket.write('PUT /api/v1/orchestrator/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const closed = new Promise(resolve => socket.once('close', resolve)) // (events.once would reject on the EPIPE that comes first)
  // the hostile client's pace: one header byte every 500 ms, never finishing
  const trickle = setInterval(() => { if (!socket.destroyed) socket.write('X') }, 500)
  socket.on('error', () => {})
  await closed
  clearInterval(trickle)
  expect(Date.now() - started).toBeLessThan(15_000)
}, 30_000)
