// The Trustless Gateway specification (https://specs.ipfs.tech/http-gateways/trustless-gateway/), part by
// part, against this example's gateway, with fixtures made here: a directory holding a 3-block file, a
// subdirectory and the same small file twice (a block that occurs twice in the DAG). Raw blocks and their
// headers; CARs with pathing, each dag-scope and entity-bytes, in depth-first order with and without
// duplicates, negotiated by Accept and by query parameters; HEAD; ETags and If-None-Match; errors.
import { CarBlockIterator } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { unixfs } from '@helia/unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, test } from 'vitest'
import { startTestServer } from './fixtures.ts'

const CAR = 'application/vnd.ipld.car'
const RAW = 'application/vnd.ipld.raw'
const MiB = 1024 * 1024

interface Fixture {
  gateway: string
  /** / : big.bin (3 leaves of 1 MiB), same-1.txt and same-2.txt (the same block twice), sub/notes.txt */
  root: CID
  big: CID
  bigLeaves: CID[]
  sub: CID
  notes: CID
  /** The DAG under a CID in depth-first order (links in their order), every occurrence. */
  depthFirst: (cid: CID) => Promise<CID[]>
}

/** A server on its own data dir, holding the fixture DAG. */
async function fixture (): Promise<Fixture> {
  const server = await startTestServer()
  const fs = unixfs(server.helia)
  const blockOf = async (cid: CID): Promise<Uint8Array> => {
    const chunks: Uint8Array[] = []
    for await (const chunk of server.helia.blockstore.get(cid)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
  const big = await fs.addBytes(new Uint8Array(3 * MiB).map((_value, index) => index % 251),
    { chunker: fixedSize({ chunkSize: MiB }) })
  const bigLeaves = dagPb.decode(await blockOf(big)).Links.map(link => link.Hash)
  const notes = await fs.addBytes(new TextEncoder().encode('# notes\n'))
  const sub = await fs.cp(notes, await fs.addDirectory(), 'notes.txt')
  const same = await fs.addBytes(new TextEncoder().encode('the same bytes twice\n'))
  let root = await fs.addDirectory()
  const entries = [['big.bin', big], ['same-1.txt', same], ['same-2.txt', same], ['sub', sub]] as const
  for (const [name, cid] of entries) root = await fs.cp(cid, root, name)
  expect(bigLeaves).toHaveLength(3)
  const depthFirst = async (cid: CID): Promise<CID[]> => {
    const order = [cid]
    if (cid.code !== dagPb.code) return order
    for (const link of dagPb.decode(await blockOf(cid)).Links) order.push(...await depthFirst(link.Hash))
    return order
  }
  return { gateway: server.ready.gateway, root, big, bigLeaves, sub, notes, depthFirst }
}

/** A CAR's roots, and its blocks in the order they came, each checked against its CID. */
async function carOf (response: Response): Promise<{ roots: string[], blocks: string[] }> {
  const car = await CarBlockIterator.fromBytes(new Uint8Array(await response.arrayBuffer()))
  const blocks: string[] = []
  for await (const block of car) {
    expect(Buffer.from((await sha256.digest(block.bytes)).digest).equals(Buffer.from(block.cid.multihash.digest)),
      `${block.cid} verifies`).toBe(true)
    blocks.push(block.cid.toString())
  }
  return { roots: (await car.getRoots()).map(String), blocks }
}

const unique = (cids: CID[]): string[] => [...new Set(cids.map(String))]

describe('raw blocks (application/vnd.ipld.raw)', () => {
  test('by Accept and by ?format=raw: the block, hashing to its CID, with the spec\'s headers', async () => {
    const { gateway, big } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    for (const init of [{ headers: { Accept: RAW } }, {}]) {
      const response = await get(`/ipfs/${big}${'headers' in init ? '' : '?format=raw'}`, init)
      expect(response.status).toBe(200)
      const block = new Uint8Array(await response.arrayBuffer())
      expect(Buffer.from((await sha256.digest(block)).digest).equals(Buffer.from(big.multihash.digest))).toBe(true)
      expect(Object.fromEntries(['content-type', 'content-length', 'x-content-type-options', 'cache-control', 'etag',
        'content-disposition', 'x-ipfs-roots'].map(name => [name, response.headers.get(name)]))).toEqual({
        'content-type': RAW,
        'content-length': String(block.byteLength),
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=29030400, immutable',
        etag: `"${big}.raw"`,
        'content-disposition': `attachment; filename="${big}.bin"`,
        'x-ipfs-roots': big.toString()
      })
    }
  })

  test('HEAD answers the same headers and no body; If-None-Match with the ETag answers 304', async () => {
    const { gateway, big } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const head = await get(`/ipfs/${big}?format=raw`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length'))
      .toBe((await (await get(`/ipfs/${big}?format=raw`)).arrayBuffer()).byteLength.toString())
    expect((await head.arrayBuffer()).byteLength).toBe(0)
    const cached = await get(`/ipfs/${big}?format=raw`, { headers: { 'If-None-Match': `"${big}.raw"` } })
    expect(cached.status).toBe(304)
  })
})

describe('CARs (application/vnd.ipld.car)', () => {
  test('the whole DAG by default, depth-first without duplicates, version 1, with the root as the CAR ' +
    'root', async () => {
    const { gateway, root, depthFirst } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const response = await get(`/ipfs/${root}?format=car`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(`${CAR}; version=1; order=dfs; dups=n`)
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${root}.car"`)
    expect(response.headers.get('x-ipfs-roots')).toBe(root.toString())
    expect(response.headers.get('etag')).toMatch(new RegExp(`^W/"${root}\\.car\\.\\w+"$`))
    expect(await carOf(response)).toEqual({ roots: [root.toString()], blocks: unique(await depthFirst(root)) })
  })

  test('dups=y sends a block each time the DAG walk meets it; by Accept or by car-dups, the same', async () => {
    const { gateway, root, depthFirst } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const walk = (await depthFirst(root)).map(String)
    expect(new Set(walk).size).toBeLessThan(walk.length) // the fixture has a block twice
    for (const [path, init] of [[`/ipfs/${root}`, { headers: { Accept: `${CAR}; version=1; order=dfs; dups=y` } }],
      [`/ipfs/${root}?format=car&car-order=dfs&car-dups=y`, {}]] as const) {
      const response = await get(path, init)
      expect(response.headers.get('content-type')).toBe(`${CAR}; version=1; order=dfs; dups=y`)
      expect((await carOf(response)).blocks).toEqual(walk)
    }
  })

  test('pathing: /ipfs/<root>/sub/notes.txt sends the blocks on the path, then the file; X-Ipfs-Roots names ' +
    'each', async () => {
    const { gateway, root, sub, notes } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const response = await get(`/ipfs/${root}/sub/notes.txt?format=car`)
    expect(response.status).toBe(200)
    expect(response.headers.get('x-ipfs-roots')).toBe([root, sub, notes].join(','))
    expect((await carOf(response)).blocks).toEqual([root, sub, notes].map(String))
  })

  test('dag-scope=block: only the block at the end of the path; dag-scope=entity: a file whole, a directory ' +
    'without its children', async () => {
    const { gateway, root, big, bigLeaves, sub } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    expect((await carOf(await get(`/ipfs/${root}?format=car&dag-scope=block`))).blocks).toEqual([root.toString()])
    expect((await carOf(await get(`/ipfs/${root}/big.bin?format=car&dag-scope=block`))).blocks)
      .toEqual([root, big].map(String))
    expect((await carOf(await get(`/ipfs/${root}/big.bin?format=car&dag-scope=entity`))).blocks)
      .toEqual([root, big, ...bigLeaves].map(String))
    expect((await carOf(await get(`/ipfs/${root}/sub?format=car&dag-scope=entity`))).blocks)
      .toEqual([root, sub].map(String))
  })

  test('entity-bytes: only the blocks a byte range needs, from the start, from the end, or all', async () => {
    const { gateway, big, bigLeaves } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const blocksOf = async (range: string): Promise<string[]> =>
      (await carOf(await get(`/ipfs/${big}?format=car&entity-bytes=${range}`))).blocks
    expect(await blocksOf(`0:${MiB - 1}`)).toEqual([big, bigLeaves[0]!].map(String))
    expect(await blocksOf(`${MiB}:${2 * MiB - 1}`)).toEqual([big, bigLeaves[1]!].map(String))
    expect(await blocksOf('-1:*')).toEqual([big, bigLeaves[2]!].map(String))
    expect(await blocksOf('0:*')).toEqual([big, ...bigLeaves].map(String))
    // a range is a representation of its own: its ETag differs from the whole file's
    const [whole, part] = await Promise.all([get(`/ipfs/${big}?format=car`),
      get(`/ipfs/${big}?format=car&entity-bytes=0:10`)])
    expect(whole.headers.get('etag')).not.toBe(part.headers.get('etag'))
  })

  test('HEAD and If-None-Match on a CAR', async () => {
    const { gateway, root } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const head = await get(`/ipfs/${root}?format=car`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe(`${CAR}; version=1; order=dfs; dups=n`)
    expect((await head.arrayBuffer()).byteLength).toBe(0)
    expect((await get(`/ipfs/${root}?format=car`, { headers: { 'If-None-Match': head.headers.get('etag')! } })).status)
      .toBe(304)
  })
})

describe('errors', () => {
  test('each with its status and one line of text', async () => {
    const { gateway, root } = await fixture()
    const get = async (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${gateway}${path}`, init)
    const missing = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('held by nobody')))
    const cases: Array<[string, string, RequestInit, number]> = [
      ['a CID that does not parse', '/ipfs/not-a-cid?format=raw', {}, 400],
      ['a CID not held here', `/ipfs/${missing}?format=raw`, {}, 404],
      ['a path that does not exist', `/ipfs/${root}/nope.txt?format=car`, {}, 404],
      ['neither a raw block nor a CAR asked for', `/ipfs/${root}`, {}, 406],
      ['CAR version 2', `/ipfs/${root}?format=car&car-version=2`, {}, 406],
      ['a method other than GET and HEAD', `/ipfs/${root}?format=raw`, { method: 'POST' }, 405],
      ['a path outside /ipfs/', '/nothing-here', {}, 404]
    ]
    for (const [what, path, init, status] of cases) {
      const response = await get(path, init)
      expect(response.status, what).toBe(status)
      if (status !== 406 || response.headers.get('content-type')?.startsWith('text/plain') === true) {
        expect(response.headers.get('content-type'), what).toBe('text/plain; charset=utf-8')
        expect((await response.text()).trim().split('\n'), what).toHaveLength(1)
      }
    }
  })
})
