// Faults on the real compose network: a server killed under a client, an OrbitDB writer cut off from the
// network while it writes, a Helia server paused mid-fetch. Each client either recovers within its
// deadline or fails with one line.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { PROJECT, compose } from '../testing/docker.ts'
import { repoRoot } from '../testing/compose.ts'
import { expectExit, startProcess, terminateAllProcesses } from '../testing/processes.ts'

const NETWORK = `${PROJECT}_default`

/** `docker compose run` of a one-shot service with extra environment, as a process whose lines can be awaited. */
function runClient (service: string, env: Record<string, string> = {}) {
  const flags = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`])
  return startProcess(['docker', 'compose', '-p', PROJECT, 'run', '--rm', '--no-deps', '-T', ...flags, service], { cwd: repoRoot, label: service })
}

const clientErrors = (lines: string[]): string[] => lines.filter(line => line.startsWith('client: '))

beforeAll(async () => { await compose(['down', '--volumes', '--remove-orphans']) }, 120_000)
afterEach(terminateAllProcesses)
afterAll(async () => { await compose(['down', '--volumes', '--remove-orphans']) }, 120_000)

test('a libp2p server killed under its client: the client retries until the server is back; with no server it fails in one line', async () => {
  await compose(['up', '--build', '--detach', '--wait', 'libp2p-v3-server'], 600_000)
  await compose(['kill', 'libp2p-v3-server'])
  const client = runClient('libp2p-v3-client-tcp', { DIAL_TIMEOUT_MS: '120000' })
  await client.waitForLine(/retrying in \d+ ms/, 120_000)
  await compose(['start', 'libp2p-v3-server'])
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/bytes sent and returned intact/)

  await compose(['kill', 'libp2p-v3-server'])
  const alone = runClient('libp2p-v3-client-tcp', { DIAL_TIMEOUT_MS: '3000' })
  await expectExit(alone, 1)
  expect(clientErrors(alone.stderr)).toEqual([expect.stringMatching(/^client: could not reach \/dns4\/libp2p-v3-server\/tcp\/9111\/p2p\/\w+ within 3000 ms/)])
})

test('an OrbitDB writer cut off from the network writes offline; reconnected, server and reader hold every entry', async () => {
  await compose(['up', '--build', '--detach', '--wait', 'orbitdb-v4-server'], 600_000)
  await compose(['create', 'orbitdb-v4-writer'])
  const { stdout: writerId } = await compose(['ps', '--all', '--quiet', 'orbitdb-v4-writer'])
  await compose(['start', 'orbitdb-v4-writer']) // connected, then cut off at once, before it can reach the server
  const disconnect = startProcess(['docker', 'network', 'disconnect', NETWORK, writerId.trim()], { cwd: repoRoot })
  await expectExit(disconnect, 0)
  const logs = startProcess(['docker', 'logs', '--follow', writerId.trim()], { cwd: repoRoot })
  await logs.waitForLine(/attempt \d+ to reach the server failed/, 60_000) // its 20 writes are local by now
  const connect = startProcess(['docker', 'network', 'connect', '--alias', 'orbitdb-v4-writer', NETWORK, writerId.trim()], { cwd: repoRoot })
  await expectExit(connect, 0)
  await expectExit(logs, 0) // the container ended
  const state = startProcess(['docker', 'inspect', '--format', '{{.State.ExitCode}}', writerId.trim()], { cwd: repoRoot })
  await state.exited
  expect(state.stdout, logs.stdout.join('\n')).toEqual(['0'])
  expect(logs.stdout.join('\n')).toMatch(/the server holds all \d+ entries/)

  const reader = runClient('orbitdb-v4-reader')
  await expectExit(reader, 0)
  expect(reader.stdout.join('\n')).toMatch(/this replica has 20 documents/)
})

test('a Helia fetch from a paused server resumes when it is unpaused; paused too long, it fails in one line', async () => {
  await compose(['up', '--build', '--detach', '--wait', 'ipfs-helia-server'], 600_000)
  await compose(['pause', 'ipfs-helia-server'])
  const client = runClient('ipfs-helia-client-get', { DIAL_TIMEOUT_MS: '120000', FETCH_TIMEOUT_MS: '120000' })
  await client.waitForLine(/dialling/, 60_000)
  await compose(['unpause', 'ipfs-helia-server'])
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/re-import gives the same CID ✓/)

  await compose(['pause', 'ipfs-helia-server'])
  try {
    const stuck = runClient('ipfs-helia-client-get', { DIAL_TIMEOUT_MS: '3000', FETCH_TIMEOUT_MS: '3000' })
    await expectExit(stuck, 1)
    expect(clientErrors(stuck.stderr)).toEqual([expect.stringMatching(/^client: could not (reach|fetch) /)])
  } finally {
    await compose(['unpause', 'ipfs-helia-server'])
  }
})
