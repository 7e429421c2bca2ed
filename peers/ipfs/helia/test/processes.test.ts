// The example as a user runs it: separate processes, configured by environment variables.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { allowedClient, randomFile, tempDir } from './fixtures.ts'
import type { Ready } from '../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..')

afterEach(stopAllProcesses)

async function startServer (env: Record<string, string> = {}) {
  const dataDir = env.DATA_DIR ?? await tempDir()
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir,
    label: 'server',
    env: {
      DATA_DIR: dataDir,
      LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
      GATEWAY_LISTEN: '127.0.0.1:0',
      PIN_ALLOW_PEERS: allowedClient.peerId,
      ...env
    }
  })
  return { server, ready: await waitForReady<Ready>(server), dataDir }
}

function runClient (args: string[], env: Record<string, string>) {
  return startProcess(['node', 'src/client.ts', ...args], { cwd: exampleDir, env, label: `client ${args.join(' ')}` })
}

test('client get fetches the served file over TCP and over WebSockets; client add gets it pinned', async () => {
  const dir = await tempDir()
  const source = await randomFile(dir, 'served.bin', 2 * 1024 * 1024)
  const { server, ready } = await startServer({ SERVE_PATH: source })
  for (const [index, address] of ready.multiaddrs.entries()) {
    const client = runClient(['get', ready.cid!, join(dir, `out-${index}.bin`)], { SERVER_ADDR: address })
    await expectExit(client, 0)
    expect(client.stdout.join('\n')).toMatch(/every block checked against its CID ✓/)
    expect(Buffer.compare(await readFile(join(dir, `out-${index}.bin`)), await readFile(source))).toBe(0)
  }
  const upload = await randomFile(dir, 'upload.bin', 300_000)
  const adder = runClient(['add', upload], {
    SERVER_ADDR: ready.multiaddrs[0]!,
    PRIVATE_KEY: allowedClient.PRIVATE_KEY
  })
  await expectExit(adder, 0)
  expect(adder.stdout.join('\n')).toMatch(/server pinned bafk|server pinned bafy/)
  expect(server.stdout.some(line => line.startsWith('pin request from') && line.includes('"ok":true'))).toBe(true)
  await expectStop(server, 'SIGTERM')
})

test.each([
  ['a malformed CID', ['get', 'Qm-not-a-cid'], {}, /^client: malformed CID "Qm-not-a-cid"/],
  ['a missing file', ['add', '/nonexistent/liftoff.txt'], {},
    /^client: no such file or directory: \/nonexistent\/liftoff.txt$/],
  ['an unknown command', ['put', 'x'], {}, /^client: unknown command "put"/],
  ['a malformed multiaddr', ['get', 'bafkreife3quyeeawcqqzk2xqar3gjzr67adb7dz763mfirgbv4j7kbqygu'],
    { SERVER_ADDR: '/ip4/1.2.3.4/tcp' }, /^client: malformed multiaddr/]
])('%s exits non-zero with a one-line error', async (_case, args, env, message) => {
  const client = runClient(args, env)
  await expectExit(client, 1)
  expect(client.stderr).toHaveLength(1)
  expect(client.stderr[0]).toMatch(message)
})

test('an unreachable server exits non-zero with a one-line error', async () => {
  const client = runClient(['get', 'bafkreife3quyeeawcqqzk2xqar3gjzr67adb7dz763mfirgbv4j7kbqygu'], {
    SERVER_ADDR: `/ip4/127.0.0.1/tcp/${await unusedPort()}`,
    DIAL_TIMEOUT_MS: '700'
  })
  await expectExit(client, 1)
  expect(client.stderr).toEqual([expect.stringMatching(/^client: could not reach .* within 700 ms/)])
})

test('a CID nobody has exits non-zero after FETCH_TIMEOUT_MS and writes nothing', async () => {
  const dir = await tempDir()
  const { ready } = await startServer()
  const client = runClient(['get', 'bafkreife3quyeeawcqqzk2xqar3gjzr67adb7dz763mfirgbv4j7kbqygu', join(dir, 'out')], {
    SERVER_ADDR: ready.multiaddrs[0]!,
    FETCH_TIMEOUT_MS: '1500'
  })
  await expectExit(client, 1)
  expect(client.stderr).toEqual([expect.stringMatching(/^client: could not fetch bafkrei\w+ within 1500 ms/)])
  expect(existsSync(join(dir, 'out'))).toBe(false)
})

test('a restarted server keeps its peer ID and its blocks; SIGTERM exits 0 and clears the ready file', async () => {
  const dir = await tempDir()
  const source = await randomFile(dir, 'kept.bin', 500_000)
  const first = await startServer({ SERVE_PATH: source })
  await expectStop(first.server, 'SIGTERM')
  expect(existsSync(join(first.dataDir, 'ready.json'))).toBe(false)

  const second = await startServer({ DATA_DIR: first.dataDir })
  expect(second.ready.peerId).toBe(first.ready.peerId)
  const client = runClient(['get', first.ready.cid!, join(dir, 'after.bin')],
    { SERVER_ADDR: second.ready.multiaddrs[0]! })
  await expectExit(client, 0)
  expect(Buffer.compare(await readFile(join(dir, 'after.bin')), await readFile(source))).toBe(0)
  await expectStop(second.server, 'SIGINT')
})

test('pnpm dev runs the whole demo and exits 0', async () => {
  const dev = startProcess(['node', 'src/run/dev.ts'], { cwd: exampleDir, label: 'dev' })
  await expectExit(dev, 0)
  const output = dev.stdout.join('\n')
  expect(output).toMatch(/every block checked against its CID ✓/)
  expect(output).toMatch(/server pinned/)
  expect(output).toMatch(/sha256 matches the CID ✓/)
})
