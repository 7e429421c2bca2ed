// A server restarted (SIGTERM, then started again on the same data and address) while its clients are
// connected and in the middle of their work, over a slow link: each client notices the connection go,
// dials the server again and finishes its work intact, as the examples promise.
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, shapeLink } from '../testing/netns.ts'
import { expectExit, expectStop, printed, terminateAllProcesses, waitForReady } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

test.each(['v1', 'v3'])(
  'libp2p %s: clients mid-echo when the server restarts dial it again and finish',
  async major => {
    const cwd = join(repoRoot, 'peers/libp2p', major)
    const serverHost = createHost('server')
    const clientHost = createHost('client')
    shapeLink(clientHost, { rateMbit: 10 })
    const env = { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9111` }
    const first = serverHost.start(['src/server.ts'], { cwd, env })
    const ready = await waitForReady(first)
    // 3 × 2 MiB each way over 10 Mbit/s: about 10 s, so every echo is under way when the server restarts
    const clients = Array.from({ length: 3 }, (_unused, index) =>
      clientHost.start(['src/client.ts'], {
        cwd,
        env: {
          SERVER_ADDR: ready.multiaddrs[0]!,
          ECHO_BYTES: String(2 * 1024 * 1024),
          CLIENT_NAME: `client-${index}`,
          DIAL_TIMEOUT_MS: '20000'
        }
      })
    )
    await Promise.all(clients.map(async client => client.waitForLine(/^connected to /)))
    await expectStop(first, 'SIGTERM')
    const second = serverHost.start(['src/server.ts'], { cwd, env })
    expect((await waitForReady(second)).peerId).toBe(ready.peerId)
    for (const client of clients) {
      await expectExit(client, 0)
      expect(client.stdout, printed(client)).toContainEqual(
        expect.stringMatching(new RegExp(`^connection to ${ready.peerId} lost \\(.+\\); dialling again$`))
      )
      expect(
        client.stdout.filter(line => line.startsWith('connected to ')).length,
        printed(client)
      ).toBeGreaterThanOrEqual(2)
      expect(client.stdout, printed(client)).toContainEqual(
        expect.stringMatching(/^echo: 2097152 bytes sent and returned intact/)
      )
    }
    // and a client started now is served
    const fresh = clientHost.start(['src/client.ts'], { cwd, env: { SERVER_ADDR: ready.multiaddrs[0]! } })
    await expectExit(fresh, 0)
  },
  120_000
)

test('Helia: a client fetching a large file when the server ' +
  'restarts dials it again and finishes, the file intact', async () => {
  const cwd = join(repoRoot, 'peers/ipfs/helia')
  const serverHost = createHost('server')
  const clientHost = createHost('client')
  shapeLink(clientHost, { rateMbit: 10 })
  const files = await tempDir()
  await writeFile(join(files, 'big.bin'), randomBytes(16 * 1024 * 1024))
  const env = {
    DATA_DIR: await tempDir(),
    LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9201`,
    GATEWAY_LISTEN: `${serverHost.address}:9280`,
    SERVE_PATH: join(files, 'big.bin')
  }
  const first = serverHost.start(['src/server.ts'], { cwd, env })
  const ready = await waitForReady<{ peerId: string, multiaddrs: string[], cid: string }>(first, 60_000)
  const client = clientHost.start(['src/client.ts', 'get', ready.cid, join(files, 'out.bin')], {
    cwd,
    env: { SERVER_ADDR: ready.multiaddrs[0]!, FETCH_TIMEOUT_MS: '30000' }
  })
  await client.waitForLine(/^connected to /)
  await expectStop(first, 'SIGTERM')
  const second = serverHost.start(['src/server.ts'], { cwd, env })
  expect((await waitForReady<{ cid: string }>(second, 60_000)).cid).toBe(ready.cid)
  await expectExit(client, 0)
  expect(client.stdout, printed(client)).toContainEqual(`connection to ${ready.peerId} lost; dialling it again`)
  expect(client.stdout, printed(client)).toContainEqual(`reconnected to ${ready.peerId}`)
  expect((await readFile(join(files, 'out.bin'))).equals(await readFile(join(files, 'big.bin')))).toBe(true)
}, 120_000)
