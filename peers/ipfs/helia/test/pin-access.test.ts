// Who may have this server pin, and how much: a stranger is refused before the server fetches a block,
// nobody is allowed unless PIN_ALLOW_PEERS says so, a DAG over PIN_MAX_BYTES or PIN_MAX_BLOCKS is refused
// with nothing of it left pinned or stored, and one peer gets at most PIN_MAX_CONCURRENT_PER_PEER requests
// at once. After each refusal the server still pins for the allowed client.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { expect, test } from 'vitest'
import { add } from '../src/client.ts'
import { cidOfPath, importPath } from '../src/files.ts'
import { requestPin, type PinResponse } from '../src/pinning.ts'
import type { Node } from '../src/node.ts'
import {
  clientNode, randomFile, serverConfig, silent, startTestServer, stranger, tempDir, type TestServer
} from './fixtures.ts'

/** Every pin on the server, and every block file in its blockstore on disk. */
async function stored (server: TestServer): Promise<{ pins: string[], blocks: string[] }> {
  const pins: string[] = []
  for await (const pin of server.helia.pins.ls()) pins.push(pin.cid.toString())
  const blocks = (await readdir(join(server.config.dataDir, 'blocks'), {
    recursive: true,
    withFileTypes: true
  })).filter(entry => entry.isFile()).map(entry => entry.name)
  return { pins: pins.sort(), blocks: blocks.sort() }
}

/** The allowed client still gets a small file pinned: the server keeps serving after a refusal. */
async function stillPins (server: TestServer): Promise<void> {
  const source = await randomFile(await tempDir(), 'after.bin', 1000)
  expect((await add(server.clientConfig, source, silent)).pin).toMatchObject({ ok: true, blocks: 1, bytes: 1000 })
}

/** `node` imports a random file of `bytes` and asks `server` to pin it. */
async function askToPin (server: TestServer, node: Node, bytes: number): Promise<{
  cid: string,
  response: PinResponse
}> {
  const source = await randomFile(await tempDir(), 'asked.bin', bytes)
  const cid = await importPath(unixfs(node), source)
  return { cid: cid.toString(), response: await requestPin(node, multiaddr(server.ready.multiaddrs[0]!), cid) }
}

test('a peer not in PIN_ALLOW_PEERS is refused, naming the variable, before the server fetches anything', async () => {
  const server = await startTestServer()
  const before = await stored(server)
  const node = await clientNode(stranger)
  const { cid, response } = await askToPin(server, node, 300_000)
  expect(response).toEqual({
    ok: false,
    code: 'not-allowed',
    error: `peer ${stranger.peerId} may not pin on this server: it is not in the server's PIN_ALLOW_PEERS`
  })
  expect(await server.helia.blockstore.has(CID.parse(cid))).toBe(false)
  expect(await stored(server)).toEqual(before)
  await stillPins(server)
})

test('without PIN_ALLOW_PEERS nobody may pin: the default is closed', async () => {
  const server = await startTestServer(await serverConfig({ PIN_ALLOW_PEERS: '' }))
  const before = await stored(server)
  const source = await randomFile(await tempDir(), 'refused.bin', 1000)
  const refused = new RegExp('^server did not pin \\w+: peer 12D3KooW\\w+ may not pin on this server: ' +
    'it is not in the server\'s PIN_ALLOW_PEERS$')
  await expect(add(server.clientConfig, source, silent)).rejects.toThrow(refused)
  expect(await stored(server)).toEqual(before)
  expect(server.log).toContain('pinning: open to nobody (PIN_ALLOW_PEERS is empty)')
})

test('a DAG over PIN_MAX_BYTES is refused once the fetch passes the cap; none of it stays pinned or ' +
  'stored', async () => {
  const server = await startTestServer(await serverConfig({ PIN_MAX_BYTES: String(1024 * 1024) }))
  const before = await stored(server)
  const { cid, response } = await askToPin(server, await clientNode(), 3 * 1024 * 1024)
  expect(response).toEqual({ ok: false, code: 'too-large', error: `${cid}: the DAG holds more than 1048576 bytes` })
  expect(await stored(server)).toEqual(before)
  await stillPins(server)
})

test('a DAG over PIN_MAX_BLOCKS is refused; none of it stays pinned or stored', async () => {
  const server = await startTestServer(await serverConfig({ PIN_MAX_BLOCKS: '3' }))
  const before = await stored(server)
  // 4 MiB: four 1 MiB leaves under one root, five blocks
  const { cid, response } = await askToPin(server, await clientNode(), 4 * 1024 * 1024)
  expect(response).toEqual({ ok: false, code: 'too-large', error: `${cid}: the DAG has more than 3 blocks` })
  expect(await stored(server)).toEqual(before)
  await stillPins(server)
})

test('a third pin request from one peer while two are in progress is answered busy at once ' +
  '(PIN_MAX_CONCURRENT_PER_PEER=2)', async () => {
  const timeoutMs = 3000
  const server = await startTestServer(await serverConfig({ PIN_TIMEOUT_MS: String(timeoutMs) }))
  const before = await stored(server)
  const node = await clientNode()
  // a CID nobody has: each request holds its slot until PIN_TIMEOUT_MS
  const missing = await cidOfPath(await randomFile(await tempDir(), 'nobody-has.bin', 5000))
  const started = performance.now()
  const answers = await Promise.all([1, 2, 3].map(async () => {
    const response = await requestPin(node, multiaddr(server.ready.multiaddrs[0]!), missing)
    return {
      code: response.ok ? 'ok' : response.code,
      error: response.ok ? '' : response.error,
      ms: performance.now() - started
    }
  }))
  expect(answers.map(answer => answer.code).sort()).toEqual(['busy', 'timeout', 'timeout'])
  const busy = answers.find(answer => answer.code === 'busy')!
  expect(busy.error)
    .toBe(`peer ${node.libp2p.peerId} already has 2 pin requests in progress (PIN_MAX_CONCURRENT_PER_PEER=2)`)
  expect(busy.ms).toBeLessThan(timeoutMs)
  expect(await stored(server)).toEqual(before)
  // the slots are free again once the requests are answered
  await stillPins(server)
})

test.each([
  ['PIN_ALLOW_PEERS', 'not-a-peer', 'PIN_ALLOW_PEERS: "not-a-peer" is not a peer ID (12D3KooW…)'],
  ['PIN_MAX_BYTES', '0', 'PIN_MAX_BYTES must be a positive integer, got "0"'],
  ['PIN_MAX_CONCURRENT_PER_PEER', 'many', 'PIN_MAX_CONCURRENT_PER_PEER must be a positive integer, got "many"']
])('a bad %s is refused at start-up with one message', async (name, value, message) => {
  await expect(serverConfig({ [name]: value })).rejects.toThrow(message)
})
