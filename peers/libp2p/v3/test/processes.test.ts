// The example as a user runs it: separate processes, configured by environment variables.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { generatePrivateKey, peerIdOf } from '../src/identity.ts'
import { tempDir } from './fixtures.ts'

const exampleDir = join(import.meta.dirname, '..')
const loopbackListen = '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'

afterEach(stopAllProcesses)

function startServer (env: Record<string, string>) {
  return startProcess(['node', 'src/server.ts'], { cwd: exampleDir, env, label: 'server' })
}

function startClient (env: Record<string, string>, args: string[] = []) {
  return startProcess(['node', 'src/client.ts', ...args], { cwd: exampleDir, env, label: 'client' })
}

test('a client process talks to a server process over TCP and over WebSockets', async () => {
  const server = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: loopbackListen })
  const ready = await waitForReady(server)
  expect(ready.multiaddrs).toHaveLength(2)
  for (const address of ready.multiaddrs) {
    const client = startClient({ SERVER_ADDR: address })
    await expectExit(client, 0)
    expect(client.stdout.join('\n')).toMatch(/1048576 bytes sent and returned intact/)
    expect(client.stdout.join('\n')).toContain(`connected to ${ready.peerId}`)
  }
  expect(server.stdout.filter(line => line.startsWith('message from'))).toHaveLength(6)
  await expectStop(server, 'SIGTERM')
})

test('the client retries until a server that starts later is ready', async () => {
  const port = await unusedPort()
  const client = startClient({ SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}`, DIAL_TIMEOUT_MS: '20000' })
  await client.waitForLine(/attempt 1 failed/)
  const server = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/127.0.0.1/tcp/${port}` })
  await waitForReady(server)
  await expectExit(client, 0)
})

test.each([
  ['a malformed multiaddr', { SERVER_ADDR: '/ip4/127.0.0.1/tcp/notaport' },
    /^client: malformed multiaddr "\/ip4\/127.0.0.1\/tcp\/notaport"/],
  ['an invalid number', { ECHO_BYTES: 'lots' }, /^client: ECHO_BYTES must be a positive integer, got "lots"$/]
])('%s exits non-zero with a one-line error', async (_case, env, message) => {
  const client = startClient(env)
  await expectExit(client, 1)
  expect(client.stderr).toHaveLength(1)
  expect(client.stderr[0]).toMatch(message)
})

test('an unreachable server exits non-zero with a one-line error after the deadline', async () => {
  const client = startClient({ SERVER_ADDR: `/ip4/127.0.0.1/tcp/${await unusedPort()}`, DIAL_TIMEOUT_MS: '700' })
  await expectExit(client, 1)
  expect(client.stderr).toHaveLength(1)
  expect(client.stderr[0]).toMatch(/^client: could not reach \/ip4\/127\.0\.0\.1\/tcp\/\d+ within 700 ms/)
})

test('a peer-ID mismatch exits non-zero with a one-line error', async () => {
  const server = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: loopbackListen })
  const ready = await waitForReady(server)
  const stranger = peerIdOf(await generatePrivateKey())
  const tcpAddress = ready.multiaddrs[0]!.replace(/\/p2p\/.*$/, `/p2p/${stranger}`)
  const client = startClient({}, [tcpAddress])
  await expectExit(client, 1)
  const mismatch = new RegExp(`^client: peer ID mismatch: .* is not ${stranger}$`)
  expect(client.stderr).toEqual([expect.stringMatching(mismatch)])
})

test('a restarted server keeps its peer ID (key file) and SIGTERM exits 0 and clears the ready file', async () => {
  const dataDir = await tempDir()
  const first = startServer({ DATA_DIR: dataDir, LISTEN_ADDRS: loopbackListen })
  const firstReady = await waitForReady(first)
  expect(existsSync(join(dataDir, 'ready.json'))).toBe(true)
  await expectStop(first, 'SIGTERM')
  expect(existsSync(join(dataDir, 'ready.json'))).toBe(false)

  const second = startServer({ DATA_DIR: dataDir, LISTEN_ADDRS: loopbackListen })
  expect((await waitForReady(second)).peerId).toBe(firstReady.peerId)
  await expectStop(second, 'SIGINT')
})

test('PRIVATE_KEY fixes the peer ID without a key file', async () => {
  const privateKey = await generatePrivateKey()
  const server = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: loopbackListen, PRIVATE_KEY: privateKey })
  expect((await waitForReady(server)).peerId).toBe(peerIdOf(privateKey).toString())
})

test('a server whose port is taken exits non-zero with a one-line error', async () => {
  const first = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' })
  const busyAddress = (await waitForReady(first)).multiaddrs[0]!.replace(/\/p2p\/.*$/, '')
  const second = startServer({ DATA_DIR: await tempDir(), LISTEN_ADDRS: busyAddress })
  await expectExit(second, 1)
  expect(second.stderr).toHaveLength(1)
  expect(second.stderr[0]).toMatch(/^server: /)
})

test('pnpm dev runs the whole demo and exits 0', async () => {
  const dev = startProcess(['node', 'src/run/dev.ts'], { cwd: exampleDir, label: 'dev' })
  await expectExit(dev, 0)
  const output = dev.stdout.join('\n')
  expect(output).toMatch(/client-tcp +│ echo: 1048576 bytes sent and returned intact/)
  expect(output).toMatch(/client-ws +│ echo: 1048576 bytes sent and returned intact/)
  expect(output).toMatch(/dev: all roles finished/)
})
