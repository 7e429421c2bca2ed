// The example as a user runs it: separate processes, configured by environment variables.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { dialWithRetry, parseServerAddress } from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { generateIdentityKey } from '../src/orbitdb.ts'
import { askServer } from '../src/replication.ts'
import { stallNextPing, tempDir } from './fixtures.ts'
import type { Ready } from '../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..')

afterEach(stopAllProcesses)

async function startServer (env: Record<string, string> = {}) {
  const dataDir = env.DATA_DIR ?? await tempDir()
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir, label: 'server', env: { DATA_DIR: dataDir, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env }
  })
  return { server, ready: await waitForReady<Ready>(server), dataDir }
}

function runClient (env: Record<string, string>) {
  return startProcess(['node', 'src/client.ts'], { cwd: exampleDir, env, label: `client ${env.CLIENT_NAME ?? ''}` })
}

test('a writer process syncs to the server process; a reader process started later gets everything', async () => {
  const alice = await generateIdentityKey()
  const { server, ready } = await startServer({ WRITERS: alice.identityId })
  const common = { SERVER_ADDR: ready.multiaddrs[0]!, DB_ADDRESS: ready.address }
  const writer = runClient({
    ...common, CLIENT_NAME: 'alice', IDENTITY_KEY: alice.key, DATA_DIR: await tempDir(), WRITES: '10'
  })
  await expectExit(writer, 0)
  expect(writer.stdout.join('\n')).toMatch(/the server holds all 10 entries/)
  const reader = runClient({ ...common, CLIENT_NAME: 'bob', DATA_DIR: await tempDir(), WRITES: '0' })
  await expectExit(reader, 0)
  expect(reader.stdout.join('\n')).toMatch(/this replica has 10 documents/)
  await expectStop(server, 'SIGTERM')
})

test.each([
  ['a missing DB_ADDRESS', {}, /^client: DB_ADDRESS is not set/],
  ['a malformed database address', { DB_ADDRESS: '/orbitdb/not-a-cid' },
    /^client: malformed database address "\/orbitdb\/not-a-cid"/],
  ['a malformed server multiaddr',
    { DB_ADDRESS: '/orbitdb/zdpuAz8fBts4vCNy3gMM7MmP8LQ3kfDTRNdh6z9BUn9NwHMVt', SERVER_ADDR: 'localhost:9301' },
    /^client: malformed multiaddr "localhost:9301"/]
])('%s exits non-zero with a one-line error', async (_case, env, message) => {
  const client = runClient({ DATA_DIR: await tempDir(), ...env })
  await expectExit(client, 1)
  expect(client.stderr).toHaveLength(1)
  expect(client.stderr[0]).toMatch(message)
})

test('an unreachable server exits non-zero with a one-line error', async () => {
  const client = runClient({
    DATA_DIR: await tempDir(),
    DB_ADDRESS: '/orbitdb/zdpuAz8fBts4vCNy3gMM7MmP8LQ3kfDTRNdh6z9BUn9NwHMVt',
    SERVER_ADDR: `/ip4/127.0.0.1/tcp/${await unusedPort()}`,
    DIAL_TIMEOUT_MS: '800'
  })
  await expectExit(client, 1)
  const unreachable = /^client: (could not open .* within 800 ms|could not reach .* within 800 ms)/
  expect(client.stderr).toEqual([expect.stringMatching(unreachable)])
})

test('a connection outlives a server that answers no ping for longer than libp2p 1.9\'s 2 s timeout', async () => {
  const { server, ready } = await startServer()
  const node = await createNode({ dataDir: await tempDir() })
  onCleanup('node stop()', () => node.stop())
  const address = parseServerAddress(ready.multiaddrs[0]!)
  const { connection } = await dialWithRetry(node.libp2p, address, { deadlineMs: 10_000 })
  // the fault: a server too busy to answer a ping for 3 s (1.9's default would abort the connection at 2 s)
  await stallNextPing(connection, server.child.pid!, 3_000)
  const request = { op: 'host', address: ready.address } as const
  const hosted = await askServer(node, connection.remotePeer, request, AbortSignal.timeout(10_000))
  expect(hosted.address).toBe(ready.address)
  expect(connection.status).toBe('open')
  expect(node.libp2p.getConnections(connection.remotePeer).map(open => open.id)).toContain(connection.id)
})

test('a writer outside the access controller exits non-zero with a one-line error', async () => {
  const { ready } = await startServer()
  const client = runClient({
    DATA_DIR: await tempDir(), DB_ADDRESS: ready.address, SERVER_ADDR: ready.multiaddrs[0]!, WRITES: '1'
  })
  await expectExit(client, 1)
  const refused = /^client: identity \w+ may not write to \/orbitdb\/\w+ \(it is not in the access controller\)$/
  expect(client.stderr).toEqual([expect.stringMatching(refused)])
})

test('a restarted server keeps its peer ID, identity and database address; SIGTERM exits 0', async () => {
  const first = await startServer()
  await expectStop(first.server, 'SIGTERM')
  expect(existsSync(join(first.dataDir, 'ready.json'))).toBe(false)
  const second = await startServer({ DATA_DIR: first.dataDir })
  const { peerId, identity, address } = first.ready
  expect(second.ready).toMatchObject({ peerId, identity, address })
  await expectStop(second.server, 'SIGINT')
})

test('pnpm dev runs the whole demo and exits 0', async () => {
  const dev = startProcess(['node', 'src/run/dev.ts'], { cwd: exampleDir, label: 'dev' })
  await expectExit(dev, 0)
  const output = dev.stdout.join('\n')
  expect(output).toMatch(/alice +│ synced in \d+ ms: the server holds all 5 entries/)
  expect(output).toMatch(/bob +│ synced in \d+ ms: .*this replica has 5 documents/)
  expect(output).toMatch(/eve was refused/)
})
