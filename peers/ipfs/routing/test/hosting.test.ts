// Hosting (/liftoff/host/1.0.0, ACCEPT_HOSTING=1) as a stranger would try it, against a real server process
// on loopback: a peer not in HOSTING_ALLOW_PEERS is refused before anything is fetched, a DAG over
// HOSTING_MAX_BYTES or HOSTING_MAX_BLOCKS is refused with none of it kept, one peer gets at most
// HOSTING_MAX_CONCURRENT_PER_PEER requests at once, a length prefix longer than any request needs is reset
// at once. After each, the server still hosts for the allowed peer.
import { randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { afterEach, expect, test } from 'vitest'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { expectFramesRefused, hostileFrames, varint } from '../../../../scripts/testing/hostile.ts'
import { expectExit, expectRunning, startProcess, stopAllProcesses } from '../../../../scripts/testing/processes.ts'
import { HOST_PROTOCOL, requestHosting, type HostResponse } from '../src/hosting.ts'
import { createRoutingNode, type RoutingNode } from '../src/node.ts'
import { startNetwork, startServer, type Server } from './network.ts'
import type { PrivateKey } from '@libp2p/interface'

afterEach(stopAllProcesses)

const allowedKey = await generateKeyPair('Ed25519')
const allowed = peerIdFromPrivateKey(allowedKey).toString()

async function asker (privateKey?: PrivateKey): Promise<RoutingNode> {
  const node = await createRoutingNode({ mode: 'client', network: 'lan', listen: [], bootstrap: [], privateKey })
  onCleanup('asker stop()', () => node.stop())
  return node
}

/** A DHT server that hosts for the allowed key, with one more DHT server to take its provider records. */
async function startHost (env: Record<string, string> = {}) {
  const { BOOTSTRAP } = await startNetwork(0)
  const dataDir = await tempDir()
  const host: Server = await startServer('host', {
    BOOTSTRAP, ACCEPT_HOSTING: '1', DATA_DIR: dataDir, HOSTING_ALLOW_PEERS: allowed, ...env
  })
  return { host, address: multiaddr(host.ready.multiaddrs[0]!), dataDir }
}

/** Every block file and pin record under the server's DATA_DIR. */
async function stored (dataDir: string): Promise<string[]> {
  const files = await readdir(dataDir, { recursive: true, withFileTypes: true })
  const kept = /(^|\/)(blocks|datastore\/pin|datastore\/pinned-block)(\/|$)/
  return files.map(entry => ({ entry, path: join(entry.parentPath, entry.name) }))
    .filter(({ entry, path }) => entry.isFile() && kept.test(path.slice(dataDir.length + 1)))
    .map(({ path }) => path).sort()
}

async function askToHost (node: RoutingNode, address: Multiaddr, bytes: number) {
  const cid = await unixfs(node).addBytes(randomBytes(bytes))
  const response: HostResponse = await requestHosting(node, address, cid, AbortSignal.timeout(30_000))
  return { cid: cid.toString(), response }
}

/** The allowed peer still gets a small text hosted and announced. */
async function stillHosts (address: Multiaddr): Promise<void> {
  const { response } = await askToHost(await asker(allowedKey), address, 1000 + Math.floor(Math.random() * 1000))
  expect(response).toMatchObject({ ok: true, blocks: 1 })
}

test('a peer not in HOSTING_ALLOW_PEERS is refused, naming the variable, and nothing is fetched or kept', async () => {
  const { host, address, dataDir } = await startHost()
  const before = await stored(dataDir)
  const stranger = await asker()
  const { response } = await askToHost(stranger, address, 5000)
  const error = `peer ${stranger.libp2p.peerId} may not ask this server to host: ` +
    'it is not in the server\'s HOSTING_ALLOW_PEERS'
  expect(response).toEqual({ ok: false, code: 'not-allowed', error })
  expect(await stored(dataDir)).toEqual(before)
  expect(host.role.stdout).toContainEqual(expect.stringMatching(
    /^hosting: open to 1 peer \(HOSTING_ALLOW_PEERS\), up to 67108864 bytes and 4096 blocks a request, 2 at once each/))
  await stillHosts(address)
})

test('without HOSTING_ALLOW_PEERS nobody may ask: the default is closed', async () => {
  const { host, address, dataDir } = await startHost({ HOSTING_ALLOW_PEERS: '' })
  const before = await stored(dataDir)
  const { response } = await askToHost(await asker(allowedKey), address, 1000)
  expect(response).toMatchObject({ ok: false, code: 'not-allowed' })
  expect(await stored(dataDir)).toEqual(before)
  expect(host.role.stdout).toContain('hosting: open to nobody (HOSTING_ALLOW_PEERS is empty)')
})

test('a DAG over HOSTING_MAX_BYTES is refused once the fetch passes the cap; none of it is kept', async () => {
  const { address, dataDir } = await startHost({ HOSTING_MAX_BYTES: String(1024 * 1024) })
  const before = await stored(dataDir)
  const { cid, response } = await askToHost(await asker(allowedKey), address, 3 * 1024 * 1024)
  expect(response).toEqual({ ok: false, code: 'too-large', error: `${cid}: the DAG holds more than 1048576 bytes` })
  expect(await stored(dataDir)).toEqual(before)
  await stillHosts(address)
})

test('a DAG over HOSTING_MAX_BLOCKS is refused; none of it is kept', async () => {
  const { address, dataDir } = await startHost({ HOSTING_MAX_BLOCKS: '3' })
  const before = await stored(dataDir)
  // 4 MiB: four 1 MiB leaves under one root, five blocks
  const { cid, response } = await askToHost(await asker(allowedKey), address, 4 * 1024 * 1024)
  expect(response).toEqual({ ok: false, code: 'too-large', error: `${cid}: the DAG has more than 3 blocks` })
  expect(await stored(dataDir)).toEqual(before)
  await stillHosts(address)
})

test('a DAG fetched and pinned whose announcement does not happen in time (no other DHT server) ' +
  'is answered timeout and not kept', async () => {
  const dataDir = await tempDir()
  const alone = await startServer('alone', {
    ACCEPT_HOSTING: '1', DATA_DIR: dataDir, HOSTING_ALLOW_PEERS: allowed, HOSTING_TIMEOUT_MS: '5000'
  })
  const before = await stored(dataDir)
  const { cid, response } = await askToHost(await asker(allowedKey), multiaddr(alone.ready.multiaddrs[0]!), 3000)
  expect(response).toEqual({ ok: false, code: 'timeout', error: `could not fetch and announce ${cid} within 5000 ms` })
  expect(await stored(dataDir)).toEqual(before)
})

test('a third request from one peer while two are in progress is answered busy at once ' +
  '(HOSTING_MAX_CONCURRENT_PER_PEER=2)', async () => {
  const timeoutMs = 3000
  const { address } = await startHost({ HOSTING_TIMEOUT_MS: String(timeoutMs) })
  const node = await asker(allowedKey)
  // a CID nobody has: each request holds its slot until HOSTING_TIMEOUT_MS
  const missing = await unixfs(await asker()).addBytes(randomBytes(5000))
  const started = performance.now()
  const answers = await Promise.all([1, 2, 3].map(async () => {
    const response = await requestHosting(node, address, missing, AbortSignal.timeout(30_000))
    const ms = performance.now() - started
    return { code: response.ok ? 'ok' : response.code, error: response.ok ? '' : response.error, ms }
  }))
  expect(answers.map(answer => answer.code).sort()).toEqual(['busy', 'timeout', 'timeout'])
  const busy = answers.find(answer => answer.code === 'busy')!
  expect(busy.error)
    .toBe(`peer ${allowed} already has 2 hosting requests in progress (HOSTING_MAX_CONCURRENT_PER_PEER=2)`)
  expect(busy.ms).toBeLessThan(timeoutMs)
  await stillHosts(address)
})

test('a length prefix longer than a request can need is reset at once, a never-ending one too; ' +
  'every hostile frame gets what the frame rules say', async () => {
  const { host, address } = await startHost()
  const node = await asker()
  for (const prefix of [varint(2 ** 31), new Uint8Array(16).fill(0xff)]) {
    const stream = await node.libp2p.dialProtocol(address, HOST_PROTOCOL)
    const started = performance.now()
    const ended = new Promise<string>(resolve => {
      stream.addEventListener('close', event => resolve(event.error === undefined ? 'closed' : 'reset'), { once: true })
    })
    stream.send(prefix) // and the stream stays open: only the prefix decides
    expect(await ended).toBe('reset')
    // the server's request deadline is 10 s: this is the prefix refused, not the deadline
    expect(performance.now() - started).toBeLessThan(2000)
  }
  const frames = hostileFrames(1024, ['{"cid":5}', '{"cid":"bafynotacid"}', '{"text":"x"}'])
  await expectFramesRefused(node.libp2p, address, HOST_PROTOCOL, frames, 1024, 'one')
  expectRunning(host.role)
  await stillHosts(address)
})

test.each([
  [{ ACCEPT_HOSTING: '1' },
    'server: ACCEPT_HOSTING=1 needs DATA_DIR: hosted blocks are kept on disk there, not in memory'],
  [{ HOSTING_ALLOW_PEERS: 'not-a-peer' }, 'server: HOSTING_ALLOW_PEERS: "not-a-peer" is not a peer ID (12D3KooW…)'],
  [{ HOSTING_MAX_BYTES: '-1' }, 'server: HOSTING_MAX_BYTES must be a positive integer, got "-1"']
])('%o: one line and exit 1', async (env, line) => {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: join(import.meta.dirname, '..'), env: { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env }, label: 'server'
  })
  await expectExit(server, 1)
  expect(server.stderr).toEqual([line])
})
