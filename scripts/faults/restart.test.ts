// A server restarted (SIGTERM, then started again on the same data and address) while its clients are
// connected and in the middle of their work, over a slow link: each client either finishes (it reconnected)
// or fails with exactly one line on stderr, within its deadline. None hangs, none prints a stack.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, shapeLink } from '../testing/netns.ts'
import { expectExit, expectStop, terminateAllProcesses, waitForReady, type RoleProcess } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

function reconnectedOrOneLine (client: RoleProcess, code: number | null): void {
  if (code === 0) return
  expect(code).toBe(1)
  expect(client.stderr, client.stderr.join('\n')).toHaveLength(1)
  expect(client.stderr[0]).toMatch(/^client: /)
}

test.each(['v1', 'v3'])('libp2p %s: clients mid-echo when the server restarts reconnect or fail in one line', async major => {
  const cwd = join(repoRoot, 'peers/libp2p', major)
  const serverHost = createHost('server')
  const clientHost = createHost('client')
  shapeLink(clientHost, { rateMbit: 10 })
  const env = { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9111` }
  const first = serverHost.start(['src/server.ts'], { cwd, env })
  const ready = await waitForReady(first)
  const clients = Array.from({ length: 3 }, (_unused, index) => clientHost.start(['src/client.ts'], { cwd, env: { SERVER_ADDR: ready.multiaddrs[0]!, ECHO_BYTES: String(8 * 1024 * 1024), CLIENT_NAME: `client-${index}`, DIAL_TIMEOUT_MS: '20000' } }))
  await Promise.all(clients.map(async client => client.waitForLine(/^connected to /)))
  await expectStop(first, 'SIGTERM')
  const second = serverHost.start(['src/server.ts'], { cwd, env })
  expect((await waitForReady(second)).peerId).toBe(ready.peerId)
  for (const client of clients) reconnectedOrOneLine(client, (await client.exited).code)
  // and a client started now is served
  const fresh = clientHost.start(['src/client.ts'], { cwd, env: { SERVER_ADDR: ready.multiaddrs[0]! } })
  await expectExit(fresh, 0)
}, 120_000)

test('Helia: a client fetching a large file when the server restarts finishes or fails in one line', async () => {
  const cwd = join(repoRoot, 'peers/ipfs/helia')
  const serverHost = createHost('server')
  const clientHost = createHost('client')
  shapeLink(clientHost, { rateMbit: 10 })
  const files = await tempDir()
  await writeFile(join(files, 'big.bin'), randomBytes(16 * 1024 * 1024))
  const env = { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9201`, GATEWAY_LISTEN: `${serverHost.address}:9280`, SERVE_PATH: join(files, 'big.bin') }
  const first = serverHost.start(['src/server.ts'], { cwd, env })
  const ready = await waitForReady<{ peerId: string, multiaddrs: string[], cid: string }>(first, 60_000)
  const client = clientHost.start(['src/client.ts', 'get', ready.cid, join(files, 'out.bin')], { cwd, env: { SERVER_ADDR: ready.multiaddrs[0]!, FETCH_TIMEOUT_MS: '30000' } })
  await client.waitForLine(/^connected to /)
  await expectStop(first, 'SIGTERM')
  const second = serverHost.start(['src/server.ts'], { cwd, env })
  expect((await waitForReady<{ cid: string }>(second, 60_000)).cid).toBe(ready.cid)
  reconnectedOrOneLine(client, (await client.exited).code)
}, 120_000)
