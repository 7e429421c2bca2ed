import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { unusedPort } from '../../../../scripts/testing/processes.ts'
import { add, get } from '../src/client.ts'
import { readClientConfig } from '../src/run/config.ts'
import { cidOfPath } from '../src/files.ts'
import { createNode } from '../src/node.ts'
import { PIN_PROTOCOL, requestPin, type PinResponse } from '../src/pinning.ts'
import {
  clientNode, nestedDirectory, randomFile, readTree, serverConfig, silent, startTestServer, tempDir
} from './fixtures.ts'

const TEN_MIB = 10 * 1024 * 1024

test('a 10 MiB random file goes server → client over bitswap, byte-identical with the same CID', async () => {
  const dir = await tempDir()
  const source = await randomFile(dir, 'big.bin', TEN_MIB)
  const server = await startTestServer(await serverConfig({ SERVE_PATH: source }))
  expect(server.ready.cid).toBe((await cidOfPath(source)).toString())

  const report = await get(server.clientConfig, server.ready.cid, join(dir, 'out.bin'), silent)
  expect(report.bytes).toBe(TEN_MIB)
  expect(report.blocks).toBeGreaterThanOrEqual(10)
  expect(Buffer.compare(await readFile(join(dir, 'out.bin')), await readFile(source))).toBe(0)
  expect((await cidOfPath(join(dir, 'out.bin'))).toString()).toBe(server.ready.cid)
})

test('a 10 MiB random file goes client → server through the pin protocol, pinned and byte-identical', async () => {
  const dir = await tempDir()
  const source = await randomFile(dir, 'upload.bin', TEN_MIB)
  const server = await startTestServer()
  const { cid, pin } = await add(server.clientConfig, source, silent)
  expect(cid).toBe((await cidOfPath(source)).toString())
  expect(pin).toMatchObject({ ok: true, cid, alreadyPinned: false })
  expect(pin.ok && pin.bytes).toBeGreaterThan(TEN_MIB)
  expect(await server.helia.pins.isPinned(CID.parse(cid))).toBe(true)

  const chunks: Uint8Array[] = []
  for await (const chunk of unixfs(server.helia).cat(CID.parse(cid), { offline: true })) chunks.push(chunk)
  expect(Buffer.compare(Buffer.concat(chunks), await readFile(source))).toBe(0)

  const again = await add(server.clientConfig, source, silent)
  expect(again.pin).toMatchObject({ ok: true, alreadyPinned: true })
})

test('a nested directory goes both ways intact', async () => {
  const dir = await tempDir()
  const served = await nestedDirectory(dir, 'served')
  const server = await startTestServer(await serverConfig({ SERVE_PATH: served }))

  await get(server.clientConfig, server.ready.cid, join(dir, 'fetched'), silent)
  expect(await readTree(join(dir, 'fetched'))).toEqual(await readTree(served))

  const uploaded = await nestedDirectory(dir, 'uploaded')
  const { cid } = await add(server.clientConfig, uploaded, silent)
  // A second client gets the uploaded tree back from the server alone.
  await get(server.clientConfig, cid, join(dir, 'round-trip'), silent)
  expect(await readTree(join(dir, 'round-trip'))).toEqual(await readTree(uploaded))
})

test('a restarted server keeps its peer ID, its blocks and its pins', async () => {
  const dir = await tempDir()
  const config = await serverConfig()
  const first = await startTestServer(config)
  const source = await randomFile(dir, 'kept.bin', 3 * 1024 * 1024)
  const { cid } = await add(first.clientConfig, source, silent)
  await first.stop()

  const second = await startTestServer(config)
  expect(second.ready.peerId).toBe(first.ready.peerId)
  expect(await second.helia.pins.isPinned(CID.parse(cid))).toBe(true)
  await get(second.clientConfig, cid, join(dir, 'after-restart.bin'), silent)
  expect(Buffer.compare(await readFile(join(dir, 'after-restart.bin')), await readFile(source))).toBe(0)
})

test('a malformed CID is refused before any network use', async () => {
  const config = readClientConfig({ SERVER_ADDR: `/ip4/127.0.0.1/tcp/${await unusedPort()}` })
  await expect(get(config, 'bafy-not-a-cid', undefined, silent)).rejects.toThrow(/^malformed CID "bafy-not-a-cid"/)
})

test('a missing file is refused', async () => {
  const server = await startTestServer()
  await expect(add(server.clientConfig, join(await tempDir(), 'nope.txt'), silent))
    .rejects.toThrow(/^no such file or directory: /)
})

test('an unreachable server fails after the dial deadline', async () => {
  const config = readClientConfig({ SERVER_ADDR: `/ip4/127.0.0.1/tcp/${await unusedPort()}`, DIAL_TIMEOUT_MS: '600' })
  await expect(get(config, 'bafkreife3quyeeawcqqzk2xqar3gjzr67adb7dz763mfirgbv4j7kbqygu', join(await tempDir(), 'x'),
    silent))
    .rejects.toThrow(/could not reach .* within 600 ms/)
})

test('a CID nobody has fails after the fetch deadline and leaves nothing at the output path', async () => {
  const dir = await tempDir()
  const server = await startTestServer()
  const missing = await cidOfPath(await randomFile(dir, 'never-shared.bin', 1000))
  const config = { ...server.clientConfig, fetchTimeoutMs: 1500 }
  await expect(get(config, missing.toString(), join(dir, 'out'), silent))
    .rejects.toThrow(new RegExp(`could not fetch ${missing} within 1500 ms`))
  expect(existsSync(join(dir, 'out'))).toBe(false)
  expect((await readdir(dir)).filter(name => name.includes('.partial-'))).toEqual([])
})

test('an existing output path is not overwritten', async () => {
  const dir = await tempDir()
  const source = await randomFile(dir, 'a.bin', 100)
  const server = await startTestServer(await serverConfig({ SERVE_PATH: source }))
  await expect(get(server.clientConfig, server.ready.cid, source, silent)).rejects.toThrow(/already exists/)
})

async function rawPinRequest (server: Awaited<ReturnType<typeof startTestServer>>, body: string): Promise<PinResponse> {
  const client = await createNode()
  onCleanup('client stop()', () => client.stop())
  const stream = await client.libp2p.dialProtocol(multiaddr(server.ready.multiaddrs[0]!), PIN_PROTOCOL)
  const frames = lpStream(stream)
  await frames.write(new TextEncoder().encode(body))
  return JSON.parse(new TextDecoder().decode((await frames.read()).subarray())) as PinResponse
}

test('the pin protocol answers an invalid CID or a bad request with an error, and keeps serving', async () => {
  const server = await startTestServer()
  expect(await rawPinRequest(server, '{"cid":"not-a-cid"}')).toMatchObject({ ok: false, code: 'invalid-cid' })
  expect(await rawPinRequest(server, 'garbage')).toMatchObject({ ok: false, code: 'bad-request' })
  const source = await randomFile(await tempDir(), 'ok.bin', 1000)
  expect((await add(server.clientConfig, source, silent)).pin).toMatchObject({ ok: true, blocks: 1, bytes: 1000 })
})

test('the pin protocol answers a DAG that cannot be fetched in time with a timeout', async () => {
  const server = await startTestServer(await serverConfig({ PIN_TIMEOUT_MS: '1000' }))
  const client = await clientNode()
  const unknown = await cidOfPath(await randomFile(await tempDir(), 'unknown.bin', 5000))
  const response = await requestPin(client, multiaddr(server.ready.multiaddrs[0]!), unknown)
  expect(response).toMatchObject({ ok: false, code: 'timeout' })
  expect(await server.helia.pins.isPinned(unknown)).toBe(false)
})
