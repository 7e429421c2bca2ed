// Writers that find each other by topic (src/peer.ts) replicate while the always-on server is down: each
// knows only a bootstrap peer that holds no database, so every entry one has of the other came over their
// own connection. When the server is back, a client run brings it everything.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { generateIdentityKey } from '../src/orbitdb.ts'
import { tempDir } from './fixtures.ts'
import type { PeerReady } from '../src/peer.ts'
import type { Ready } from '../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..')
const loopback = { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' }

afterEach(stopAllProcesses)

const startRole = (script: string, label: string, env: Record<string, string>) => {
  return startProcess(['node', `src/${script}`], { cwd: exampleDir, label, env: { ...loopback, ...env } })
}

test('two writers that know only a bootstrap peer find each other by topic and replicate with the server down; the ' +
  'server gets it all when back', async () => {
  const alice = { name: 'alice', ...await generateIdentityKey(), dataDir: await tempDir() }
  const bob = { name: 'bob', ...await generateIdentityKey(), dataDir: await tempDir() }
  const serverDir = await tempDir()
  const serverEnv = { DATA_DIR: serverDir, WRITERS: `${alice.identityId},${bob.identityId}` }
  let server = startRole('server.ts', 'server', serverEnv)
  const { address, multiaddrs } = await waitForReady<Ready>(server)
  // each writer opened the database once while the server was up: its manifest is stored with them
  for (const writer of [alice, bob]) {
    const env = {
      CLIENT_NAME: writer.name,
      IDENTITY_KEY: writer.key,
      DATA_DIR: writer.dataDir,
      SERVER_ADDR: multiaddrs[0]!,
      DB_ADDRESS: address,
      WRITES: '1'
    }
    const label = `${writer.name} (client)`
    await expectExit(startProcess(['node', 'src/client.ts'], { cwd: exampleDir, label, env }), 0)
  }
  await expectStop(server, 'SIGTERM')

  const bootstrap = startRole('peer.ts', 'bootstrap', {})
  const BOOTSTRAP = (await waitForReady<PeerReady>(bootstrap)).multiaddrs[0]!
  const peers = [alice, bob].map(writer => startRole('peer.ts', writer.name, {
    CLIENT_NAME: writer.name,
    IDENTITY_KEY: writer.key,
    DATA_DIR: writer.dataDir,
    DB_ADDRESS: address,
    BOOTSTRAP,
    WRITES: '3'
  }))
  // eight Node processes one after another: on a loaded host (a CI run beside the tests) each takes seconds
  const [aliceReady, bobReady] = await Promise.all(peers.map(async peer => waitForReady<PeerReady>(peer, 60_000)))
  // 1 + 1 written through the server, 3 + 3 now: each holds all 8 only once it has the other's 3
  await Promise.all(peers.map(async peer => peer.waitForLine(/holds 8 documents$/, 30_000)))
  const found = (peerId: string) => `found peer ${peerId} on the topic; connected directly at /ip4/127.0.0.1/tcp/`
  expect(peers[0]!.stdout.join('\n')).toContain(found(bobReady!.peerId))
  expect(peers[1]!.stdout.join('\n')).toContain(found(aliceReady!.peerId))
  expect(bootstrap.stdout.join('\n')).toMatch(/holds no database/)
  await Promise.all([...peers, bootstrap].map(async role => expectStop(role, 'SIGTERM')))

  server = startRole('server.ts', 'server', serverEnv)
  const back = await waitForReady<Ready>(server)
  const env = {
    CLIENT_NAME: 'alice',
    IDENTITY_KEY: alice.key,
    DATA_DIR: alice.dataDir,
    SERVER_ADDR: back.multiaddrs[0]!,
    DB_ADDRESS: address,
    WRITES: '0'
  }
  const sync = startProcess(['node', 'src/client.ts'], { cwd: exampleDir, label: 'alice (client)', env })
  await expectExit(sync, 0)
  expect(sync.stdout.join('\n')).toMatch(/the server holds all 8 entries; this replica has 8 documents/)
}, 240_000)

test.each([
  ['DB_ADDRESS without BOOTSTRAP', { DB_ADDRESS: '/orbitdb/zdpuAz8fBts4vCNy3gMM7MmP8LQ3kfDTRNdh6z9BUn9NwHMVt' },
    /^peer: BOOTSTRAP is required with DB_ADDRESS/],
  ['a bootstrap address that names no peer', { BOOTSTRAP: '/ip4/127.0.0.1/tcp/9311' },
    /^peer: BOOTSTRAP: "\/ip4\/127.0.0.1\/tcp\/9311" does not end in \/p2p\/<peer id>/],
  ['a bootstrap address that is no multiaddr', { BOOTSTRAP: 'localhost:9311' },
    /^peer: BOOTSTRAP: "localhost:9311" is not a multiaddr$/]
])('%s: one line, exit 1', async (_case, env, message) => {
  const peer = startRole('peer.ts', 'peer', { DATA_DIR: await tempDir(), ...env })
  await expectExit(peer, 1)
  expect(peer.stderr).toEqual([expect.stringMatching(message)])
})
