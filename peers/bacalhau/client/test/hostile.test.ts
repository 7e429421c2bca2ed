// Hostile input against the local runner's HTTP API (a real server process): odd methods, paths and
// bodies, a body over the limit, and a client that trickles its headers. Each gets the status real
// Bacalhau gives it (test/interop/documents.test.ts compares them request by request), the body over the
// limit a 413, the trickler a closed socket; the runner keeps serving, and its memory stays bounded.
import { connect } from 'node:net'
import { once } from 'node:events'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../../../../scripts/testing/cleanup.ts'
import { hostileRequests, rssMiB } from '../../../../scripts/testing/hostile.ts'
import { bacalhauStatus, HOSTILE_PATHS } from './fixtures.ts'
import { expectRunning, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { MAX_BODY_BYTES } from '../src/runner/api.ts'

afterEach(stopAllProcesses)

async function start () {
  const env = { DATA_DIR: await tempDir(), API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const server = startProcess(['node', 'src/server.ts'], { cwd: join(import.meta.dirname, '..'), env })
  const ready = await waitForReady<{ api: string }>(server, 60_000)
  return { server, api: ready.api, port: Number(new URL(ready.api).port) }
}

const requests = hostileRequests(HOSTILE_PATHS)

test(`${requests.length} odd methods, paths and bodies each get the status Bacalhau gives them; ` +
  'the runner keeps serving within bounded memory', async () => {
  const { server, api } = await start()
  const before = await rssMiB(server.child.pid!)
  const wrong: string[] = []
  for (const request of requests) {
    const body = request.method === 'GET' ? undefined : request.body
    const response = await fetch(`${api}${request.path}`, { method: request.method, body, headers: request.headers })
    await response.arrayBuffer()
    if (response.status !== bacalhauStatus(request)) {
      const what = `${request.kind}: ${request.method} ${request.path.slice(0, 60)}`
      wrong.push(`${what} got ${response.status}, expected ${bacalhauStatus(request)}`)
    }
  }
  expect(wrong).toEqual([])
  expectRunning(server)
  expect((await fetch(`${api}/api/v1/agent/version`)).status).toBe(200)
  expect(await rssMiB(server.child.pid!) - before).toBeLessThan(64)
})

/** Sends `head` on a new socket, then `chunks` one at a time until the server answers; resolves with its status. */
async function statusLine (port: number, head: string, chunks: Iterable<Buffer>): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.on('error', () => {}) // writes after the server's answer fail; the answer is what counts
  const answered = new Promise<string>(resolve => {
    socket.once('data', (data: Buffer) => resolve(data.toString('latin1').split('\r\n')[0]!))
  })
  socket.write(head)
  let status: string | undefined
  answered.then(line => { status = line }, () => {})
  for (const chunk of chunks) {
    if (status !== undefined || socket.destroyed) break
    if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => {}), answered])
  }
  try {
    return await answered
  } finally {
    socket.destroy()
  }
}

test('a body over the limit gets 413, declared or sent in chunks, and the runner keeps serving', async () => {
  const { server, api, port } = await start()
  const head = (length: string): string =>
    `PUT /api/v1/orchestrator/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${length}\r\n`
  // declared: refused before a byte of the body is read
  expect(await statusLine(port, head(`Content-Length: ${MAX_BODY_BYTES + 1}\r\n`), []))
    .toBe('HTTP/1.1 413 Payload Too Large')
  // chunked, no length: refused once it passes the limit
  const chunk = Buffer.concat([
    Buffer.from(`${(1024 * 1024).toString(16)}\r\n`), Buffer.alloc(1024 * 1024, 0x20), Buffer.from('\r\n')
  ])
  const chunks = function * (): Generator<Buffer> {
    for (let sent = 0; sent <= MAX_BODY_BYTES / (1024 * 1024) + 4; sent++) yield chunk
  }
  expect(await statusLine(port, head('Transfer-Encoding: chunked\r\n'), chunks()))
    .toBe('HTTP/1.1 413 Payload Too Large')
  expectRunning(server)
  expect((await fetch(`${api}/api/v1/agent/version`)).status).toBe(200)
})

test('a client that trickles its headers is cut off within the 10 s header deadline', async () => {
  const { port } = await start()
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const started = Date.now()
  socket.write('PUT /api/v1/orchestrator/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  // (events.once would reject on the EPIPE that comes first)
  const closed = new Promise(resolve => socket.once('close', resolve))
  // the hostile client's pace: one header byte every 500 ms, never finishing
  const trickle = setInterval(() => { if (!socket.destroyed) socket.write('X') }, 500)
  socket.on('error', () => {})
  await closed
  clearInterval(trickle)
  // cut off at the deadline (Node checks it every second), not before: the runner started timing at connect
  expect(Date.now() - started).toBeGreaterThanOrEqual(9_500)
  expect(Date.now() - started).toBeLessThan(15_000)
}, 30_000)
