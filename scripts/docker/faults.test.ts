// Faults on the real compose network: a server killed under a client, an OrbitDB writer that starts cut off
// from the network, a Helia server paused mid-fetch. Each client recovers within its deadline, or, where
// the fault outlasts it, fails with one line.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { PROJECT, compose } from '../testing/docker.ts'
import { repoRoot } from '../testing/compose.ts'
import { expectExit, expectRunning, printed, startProcess, terminateAllProcesses } from '../testing/processes.ts'

const NETWORK = `${PROJECT}_default`

/** `docker compose run` of a one-shot service with extra environment, as a process whose lines can be awaited. */
function runClient (service: string, env: Record<string, string> = {}) {
  return runClientCommand(service, [], env)
}

/** The same with a command of its own instead of the service's. */
function runClientCommand (service: string, command: string[], env: Record<string, string> = {}) {
  const flags = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`])
  return startProcess(
    ['docker', 'compose', '-p', PROJECT, 'run', '--rm', '--no-deps', '-T', ...flags, service, ...command],
    { cwd: repoRoot, label: [service, ...command].join(' ') }
  )
}

const clientErrors = (lines: string[]): string[] => lines.filter(line => line.startsWith('client: '))

beforeAll(async () => { await compose(['down', '--volumes', '--remove-orphans']) }, 120_000)
afterEach(terminateAllProcesses)
afterAll(async () => { await compose(['down', '--volumes', '--remove-orphans']) }, 120_000)

test('a libp2p server killed under its client: the client retries until ' +
  'the server is back; with no server it fails in one line', async () => {
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
  expect(clientErrors(alone.stderr)).toEqual([
    expect.stringMatching(/^client: could not reach \/dns4\/libp2p-v3-server\/tcp\/9111\/p2p\/\w+ within 3000 ms/)
  ])
})

test('an OrbitDB writer cut off from the network writes offline; ' +
  'reconnected, server and reader hold every entry', async () => {
  await compose(['up', '--build', '--detach', '--wait', 'orbitdb-v4-server'], 600_000)
  // the writer has opened the database once (its volume keeps the manifest), so it can open it offline
  const opened = runClient('orbitdb-v4-writer', { WRITES: '0' })
  await expectExit(opened, 0)
  // then it starts with no network at all: disconnected while created, before its process runs
  await compose(['create', 'orbitdb-v4-writer'])
  const { stdout: writerId } = await compose(['ps', '--all', '--quiet', 'orbitdb-v4-writer'])
  const disconnect = startProcess(['docker', 'network', 'disconnect', NETWORK, writerId.trim()], { cwd: repoRoot })
  await expectExit(disconnect, 0)
  await compose(['start', 'orbitdb-v4-writer'])
  const logs = startProcess(['docker', 'logs', '--follow', writerId.trim()], { cwd: repoRoot })
  await logs.waitForLine(/^put 20 documents in /, 60_000) // written locally, the server out of reach
  await logs.waitForLine(/attempt \d+ to reach the server failed/, 60_000)
  const connect = startProcess(
    ['docker', 'network', 'connect', '--alias', 'orbitdb-v4-writer', NETWORK, writerId.trim()],
    { cwd: repoRoot }
  )
  await expectExit(connect, 0)
  await expectExit(logs, 0) // the container ended
  const state = startProcess(['docker', 'inspect', '--format', '{{.State.ExitCode}}', writerId.trim()], {
    cwd: repoRoot
  })
  await state.exited
  expect(state.stdout, logs.stdout.join('\n')).toEqual(['0'])
  expect(logs.stdout.join('\n')).toMatch(/the server holds all \d+ entries/)

  const reader = runClient('orbitdb-v4-reader')
  await expectExit(reader, 0)
  expect(reader.stdout.join('\n')).toMatch(/this replica has 20 documents/)
})

test('a Helia fetch from a server paused mid-fetch resumes when it ' +
  'is unpaused; paused too long, it fails in one line', async () => {
  await compose(['up', '--build', '--detach', '--wait', 'ipfs-helia-server'], 600_000)
  // the server pins 256 MiB of random bytes uploaded by a client, so that a fetch of it takes seconds
  const adder = runClientCommand('ipfs-helia-client-add', [
    'sh',
    '-c',
    'head -c 268435456 /dev/urandom > /tmp/big.bin && node src/client.ts add /tmp/big.bin'
  ])
  await expectExit(adder, 0)
  const cid = /^server pinned (\w+):/.exec(adder.stdout.find(line => line.startsWith('server pinned ')) ?? '')?.[1]
  expect(cid, printed(adder)).toBeDefined()
  const client = runClientCommand('ipfs-helia-client-get', ['node', 'src/client.ts', 'get', cid!, '/tmp/big.out'], {
    DIAL_TIMEOUT_MS: '120000',
    FETCH_TIMEOUT_MS: '120000'
  })
  await client.waitForLine(/^\[#+\.+\]\s+\d+% /, 120_000) // a first part has arrived, the rest not yet
  await compose(['pause', 'ipfs-helia-server'])
  expectRunning(client) // stalled, not failed
  await compose(['unpause', 'ipfs-helia-server'])
  await expectExit(client, 0)
  expect(client.stdout, printed(client)).toContainEqual(
    expect.stringMatching(new RegExp(`^fetched ${cid} → /tmp/big.out: a file, 268435456 bytes`))
  )

  await compose(['pause', 'ipfs-helia-server'])
  try {
    const stuck = runClient('ipfs-helia-client-get', { DIAL_TIMEOUT_MS: '3000', FETCH_TIMEOUT_MS: '3000' })
    await expectExit(stuck, 1)
    expect(clientErrors(stuck.stderr)).toEqual([expect.stringMatching(/^client: could not (reach|fetch) /)])
  } finally {
    await compose(['unpause', 'ipfs-helia-server'])
  }
})
