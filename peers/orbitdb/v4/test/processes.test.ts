// The example as a user runs it: separate processes, configured by environment variables.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { generateIdentityKey } from '../src/orbitdb.ts'
import { tempDir } from './fixtures.ts'
import type { Ready } from '../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..')

afterEach(stopAllProcesses)

async function startServer (env: Record<string, string> = {}) {
  const dataDir = env.DATA_DIR ?? await tempDir()
  const serverEnv = { DATA_DIR: dataDir, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env }
  const server = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, label: 'server', env: serverEnv })
  return { server, ready: await waitForReady<Ready>(server), dataDir }
}

function runClient (env: Record<string, string>) {
  return startProcess(['node', 'src/client.ts'], { cwd: exampleDir, env, label: `client ${env.CLIENT_NAME ?? ''}` })
}

test('a writer process syncs to the server process; a reader process started later gets everything', async () => {
  const alice = await generateIdentityKey()
  const { server, ready } = await startServer({ WRITERS: alice.identityId })
  const common = { SERVER_ADDR: ready.multiaddrs[0]!, DB_ADDRESS: ready.address }
  const dir = await tempDir()
  const writer = runClient({ ...common, CLIENT_NAME: 'alice', IDENTITY_KEY: alice.key, DATA_DIR: dir, WRITES: '10' })
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
  const late = /^client: (could not open .* within 800 ms|could not reach .* within 800 ms)/
  expect(client.stderr).toEqual([expect.stringMatching(late)])
})

test('a writer outside the access controller exits non-zero with a one-line error', async () => {
  const { ready } = await startServer()
  const dataDir = await tempDir()
  const client = runClient({
    DATA_DIR: dataDir, DB_ADDRESS: ready.address, SERVER_ADDR: ready.multiaddrs[0]!, WRITES: '1'
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
  expect(output).toMatch(/alice and bob both hold all 9 documents, replicated with each other while the server was/)
})
