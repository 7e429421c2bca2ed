// The trustless gateway, checked the way an untrusting HTTP client would: hash what comes back.
import { readFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { CarReader } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { expect, test } from 'vitest'
import { randomFile, startTestServer, serverConfig, tempDir } from './fixtures.ts'

async function hashMatches (cid: CID, bytes: Uint8Array): Promise<boolean> {
  return Buffer.from((await sha256.digest(bytes)).digest).equals(Buffer.from(cid.multihash.digest))
}

async function servedFile () {
  const source = await randomFile(await tempDir(), 'served.bin', 3 * 1024 * 1024 + 5)
  const server = await startTestServer(await serverConfig({ SERVE_PATH: source }))
  return { source, server, cid: CID.parse(server.ready.cid!) }
}

test('GET /ipfs/<cid> with Accept: application/vnd.ipld.raw returns the block, which hashes to the CID', async () => {
  const { server, cid } = await servedFile()
  const response = await fetch(`${server.ready.gateway}/ipfs/${cid}`,
    { headers: { Accept: 'application/vnd.ipld.raw' } })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/vnd.ipld.raw')
  const block = new Uint8Array(await response.arrayBuffer())
  expect(await hashMatches(cid, block)).toBe(true)
  expect(Number(response.headers.get('content-length'))).toBe(block.byteLength)
})

test('GET /ipfs/<cid> with Accept: application/vnd.ipld.car returns a CAR whose every block verifies and which ' +
  'rebuilds the file', async () => {
  const { source, server, cid } = await servedFile()
  const response = await fetch(`${server.ready.gateway}/ipfs/${cid}`,
    { headers: { Accept: 'application/vnd.ipld.car' } })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^application\/vnd\.ipld\.car/)
  const reader = await CarReader.fromBytes(new Uint8Array(await response.arrayBuffer()))
  expect((await reader.getRoots()).map(root => root.toString())).toEqual([cid.toString()])

  const blockstore = new MemoryBlockstore()
  let blocks = 0
  for await (const block of reader.blocks()) {
    expect(await hashMatches(block.cid, block.bytes), block.cid.toString()).toBe(true)
    await blockstore.put(block.cid, block.bytes)
    blocks++
  }
  expect(blocks).toBeGreaterThan(3)
  const chunks: Uint8Array[] = []
  for await (const chunk of unixfs({ blockstore }).cat(cid, { offline: true })) chunks.push(chunk)
  expect(Buffer.compare(Buffer.concat(chunks), await readFile(source))).toBe(0)
})

test('?format=raw works without an Accept header', async () => {
  const { server, cid } = await servedFile()
  const response = await fetch(`${server.ready.gateway}/ipfs/${cid}?format=raw`)
  expect(response.status).toBe(200)
  expect(await hashMatches(cid, new Uint8Array(await response.arrayBuffer()))).toBe(true)
})

test.each([
  ['no trustless Accept header', '/ipfs/{cid}', undefined, 406],
  ['an invalid CID', '/ipfs/not-a-cid', 'application/vnd.ipld.raw', 400],
  ['a CID it does not hold', '/ipfs/bafkreife3quyeeawcqqzk2xqar3gjzr67adb7dz763mfirgbv4j7kbqygu',
    'application/vnd.ipld.raw', 404],
  ['a path outside /ipfs/ and /ipns/', '/dns/example.com', 'application/vnd.ipld.raw', 404],
  ['a DNSLink name (this gateway looks up no DNS)', '/ipns/example.com?format=ipns-record', undefined, 400]
])('%s gets an HTTP error status, not a crash', async (_case, path, accept, status) => {
  const { server, cid } = await servedFile()
  const response = await fetch(`${server.ready.gateway}${path.replace('{cid}', cid.toString())}`,
    { headers: accept === undefined ? {} : { Accept: accept } })
  expect(response.status).toBe(status)
  expect(await response.text()).not.toBe('')
  // and the gateway still serves
  expect((await fetch(`${server.ready.gateway}/ipfs/${cid}?format=raw`)).status).toBe(200)
})

test('pages on other origins may read it: a CORS preflight is answered and every answer allows any ' +
  'origin', async () => {
  const { server, cid } = await servedFile()
  const preflight = await fetch(`${server.ready.gateway}/ipfs/${cid}`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://127.0.0.1:5173',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'accept'
    }
  })
  expect(preflight.status).toBe(204)
  expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
  expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('accept')
  for (const path of [`/ipfs/${cid}?format=raw`, '/ipfs/not-a-cid?format=raw']) {
    const response = await fetch(`${server.ready.gateway}${path}`, { headers: { Origin: 'http://127.0.0.1:5173' } })
    expect(response.headers.get('access-control-allow-origin'), path).toBe('*')
  }
})
