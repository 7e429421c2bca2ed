// Content this example did not make the way it makes content: `get` writes whatever a DAG holds, however
// it was built, and proves it by each block's CID alone (no re-import). Made here with other importer
// settings (CIDv0 with dag-pb leaves, small and content-defined chunks, trickle and narrow balanced layouts,
// a HAMT-sharded directory, mode and mtime), and by hand (a symlink, an inline identity CID, a dag-cbor DAG,
// a BLAKE2b-hashed block); and content it must refuse in one line (an entry named "..", a hash it cannot
// check). Kubo's content of every kind is in the interop tier (scripts/interop/corpus.test.ts).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs, type AddOptions } from '@helia/unixfs'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { blake2b256 } from '@multiformats/blake2/blake2b'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize, rabin } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { expect, test } from 'vitest'
import { get } from '../src/client.ts'
import { readTree, silent, startTestServer, tempDir, type TestServer } from './fixtures.ts'

const MiB = 1024 * 1024

async function fetched (server: TestServer, cid: CID, name = 'out'): Promise<string> {
  const out = join(await tempDir(), name)
  await get(server.clientConfig, cid.toString(), out, silent)
  return out
}

const fileSettings: Array<[string, AddOptions]> = [
  ['CIDv0, dag-pb leaves, 256 KiB chunks',
    { cidVersion: 0, rawLeaves: false, chunker: fixedSize({ chunkSize: 256 * 1024 }) }],
  ['1000-byte chunks in a trickle DAG', { chunker: fixedSize({ chunkSize: 1000 }), layout: trickle() }],
  ['rabin chunks, three links per node', {
    chunker: rabin({
      minChunkSize: 4096,
      avgChunkSize: 8192,
      maxChunkSize: 16384
    }),
    layout: balanced({ maxChildrenPerNode: 3 })
  }]
]

test.each(fileSettings)('a file made with %s arrives byte for byte', async (_what, settings) => {
  const server = await startTestServer()
  const bytes = randomBytes(MiB + 17)
  const cid = await unixfs(server.helia).addBytes(bytes, settings)
  expect((await readFile(await fetched(server, cid))).equals(bytes)).toBe(true)
})

test('a HAMT-sharded directory, an empty file and an empty directory arrive whole; a file keeps its mode and ' +
  'mtime', async () => {
  const server = await startTestServer()
  const fs = unixfs(server.helia)
  const files = Array.from({ length: 40 }, (_unused, index) => ({
    path: `sharded/file-${index}.txt`, content: new TextEncoder().encode(`file ${index}\n`)
  }))
  let root: CID | undefined
  for await (const entry of fs.addAll([...files, { path: 'sharded/empty.txt', content: new Uint8Array(0) }], {
    shardSplitThresholdBytes: 64,
    wrapWithDirectory: false
  })) if (entry.path === 'sharded') root = entry.cid
  root = await fs.cp(await fs.addDirectory(), root!, 'nothing-here') // an empty directory inside
  const stamped = await fs.addBytes(new TextEncoder().encode('stamped\n'),
    { mode: 0o640, mtime: { secs: 1_577_836_800n } })
  root = await fs.cp(stamped, root, 'stamped.txt')
  expect((await fs.stat(root)).type).toBe('directory')

  const out = await fetched(server, root)
  const text = (value: string): string => Buffer.from(value).toString('base64')
  expect(await readTree(out)).toEqual({
    ...Object.fromEntries(files.map((file, index) => [`file-${index}.txt`, text(`file ${index}\n`)])),
    'empty.txt': '',
    'nothing-here': null,
    'stamped.txt': text('stamped\n')
  })
  const stampedStat = await stat(join(out, 'stamped.txt'))
  expect(stampedStat.mode & 0o777).toBe(0o640)
  expect(stampedStat.mtimeMs).toBe(1_577_836_800_000)
})

test('a symlink is written as a symlink, an inline (identity) CID as its bytes, a BLAKE2b-hashed block after ' +
  'checking it', async () => {
  const server = await startTestServer()
  const link = dagPb.encode({
    Data: new UnixFS({
      type: 'symlink',
      data: new TextEncoder().encode('../elsewhere/target.txt')
    }).marshal(),
    Links: []
  })
  const linkCid = CID.createV1(dagPb.code, await sha256.digest(link))
  await server.helia.blockstore.put(linkCid, link)
  expect(await readlink(await fetched(server, linkCid, 'link'))).toBe('../elsewhere/target.txt')

  const inline = new TextEncoder().encode('small enough to live in its CID')
  const inlineCid = CID.createV1(raw.code, identity.digest(inline))
  expect((await readFile(await fetched(server, inlineCid))).equals(Buffer.from(inline))).toBe(true)

  const bytes = randomBytes(4096)
  const blake = CID.createV1(raw.code, await blake2b256.digest(bytes))
  await server.helia.blockstore.put(blake, bytes)
  expect((await readFile(await fetched(server, blake))).equals(bytes)).toBe(true)
})

test('a dag-cbor DAG is fetched whole and its root written as dag-json', async () => {
  const server = await startTestServer()
  const leaf = randomBytes(1000)
  const leafCid = CID.createV1(raw.code, await sha256.digest(leaf))
  await server.helia.blockstore.put(leafCid, leaf)
  const node = dagCbor.encode({ name: 'a record', size: 1000, data: leafCid })
  const rootCid = CID.createV1(dagCbor.code, await sha256.digest(node))
  await server.helia.blockstore.put(rootCid, node)

  const report = await get(server.clientConfig, rootCid.toString(), join(await tempDir(), 'root.json'), silent)
  expect(report.blocks).toBe(2) // the leaf came too
  expect(JSON.parse(await readFile(report.outPath, 'utf8')))
    .toEqual({ name: 'a record', size: 1000, data: { '/': leafCid.toString() } })
})

test('a directory entry named ".." and a hash this client cannot check are refused in one line, and nothing is ' +
  'written', async () => {
  const server = await startTestServer()
  const file = await unixfs(server.helia).addBytes(new TextEncoder().encode('escapes\n'))
  const hostile = dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: [{
      Name: '..',
      Hash: file
    }]
  }))
  const hostileCid = CID.createV1(dagPb.code, await sha256.digest(hostile))
  await server.helia.blockstore.put(hostileCid, hostile)
  const out = join(await tempDir(), 'out')
  await expect(get(server.clientConfig, hostileCid.toString(), out, silent))
    .rejects.toThrow(/^refused: the DAG names an entry "\.\." in .*, which would be written outside it$/)
  expect(existsSync(out)).toBe(false)

  // SHA-1 (multihash 0x11): Kubo lists it, no one should address content with it
  const sha1 = CID.createV1(raw.code, createDigest(0x11, randomBytes(20)))
  await server.helia.blockstore.put(sha1, randomBytes(10))
  await expect(get(server.clientConfig, sha1.toString(), join(await tempDir(), 'sha1'), silent))
    .rejects.toThrow(/^cannot check .*'s blocks: their hash function \(multihash 0x11\) is not one this client knows/)
})
