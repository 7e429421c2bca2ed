// Content made elsewhere, both ways. Kubo adds a tree (a multi-block file, nested directories, an empty file
// and directory, a symlink, a file with its own mode and mtime) and a HAMT-sized directory with its defaults
// and a dozen other settings, and `dag put`s dag-cbor and dag-json roots; the Helia client, given only the
// CID and Kubo's address, writes exactly what `ipfs get` writes (bytes, symlinks, modes and mtimes) or, for
// a DAG, what `ipfs dag get` prints. Then the reverse: Helia makes the same kinds with its own non-default
// importer settings and by hand, and Kubo fetches them and writes the source back.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs, type AddFileOptions } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize, rabin } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createNode } from '../../peers/ipfs/helia/src/node.ts'
import { binaryPath, realPeers } from '../real-peers.ts'
import { tempDir } from '../testing/cleanup.ts'
import { expectExitCode, terminateAllProcesses } from '../testing/processes.ts'
import { runClient, startKubo, type KuboReady, type Started } from './start-peers.ts'

const ipfs = binaryPath(realPeers().kubo)
let kubo: Started<KuboReady>
let source: string
let hamtSource: string

/**
 * The Kubo CLI against the running daemon, as a user runs it: its stdout, or a failure naming its stderr.
 * Asynchronous, so a Helia node in this process keeps answering while it runs.
 */
async function kuboCli (args: string[], input?: string): Promise<string> {
  const child = spawn(ipfs, [`--api=${apiMultiaddr()}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.end(input)
  const [stdout, stderr] = await Promise.all([text(child.stdout), text(child.stderr)])
  const [code] = await once(child, 'close') as [number | null]
  expectExitCode({ label: `ipfs ${args.join(' ')}`, code, stdout, stderr }, 0)
  return stdout.trim()
}
async function text (stream: NodeJS.ReadableStream): Promise<string> {
  let all = ''
  for await (const chunk of stream) all += String(chunk)
  return all
}
const apiMultiaddr = (): string => {
  const { hostname, port } = new URL(kubo.ready.api)
  return `/ip4/${hostname}/tcp/${port}`
}

/** What a written tree holds: per path its kind, bytes or link target, and for files their mode and mtime. */
async function snapshot (root: string, withMtimes: boolean): Promise<Record<string, string>> {
  const entries: Record<string, string> = {}
  const walk = async (path: string, name: string): Promise<void> => {
    const info = await lstat(path)
    if (info.isSymbolicLink()) entries[name] = `symlink → ${await readlink(path)}`
    else if (info.isDirectory()) {
      entries[name] = 'directory'
      for (const child of (await readdir(path)).sort()) await walk(join(path, child), `${name}/${child}`)
    } else {
      const mtime = withMtimes ? ` mtime ${Math.round(info.mtimeMs / 1000)}` : ''
      entries[name] =
        `file mode ${(info.mode & 0o7777).toString(8)}${mtime} sha256 ` +
          `${(await sha256.digest(await readFile(path))).digest.toString()}`
    }
  }
  await walk(root, '.')
  return entries
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'liftoff-corpus-')) // for the whole file (tempDir() is per test)
  source = join(dir, 'tree')
  await mkdir(join(source, 'docs', 'deeper'), { recursive: true })
  await mkdir(join(source, 'nothing-here'))
  await writeFile(join(source, 'big.bin'), randomBytes(3 * 1024 * 1024 + 7))
  await writeFile(join(source, 'small.txt'), 'small enough to inline\n')
  await writeFile(join(source, 'empty.txt'), '')
  await writeFile(join(source, 'docs', 'deeper', 'notes.md'), '# notes\n')
  await writeFile(join(source, 'stamped.txt'), 'a file with its own mode and mtime\n')
  await chmod(join(source, 'stamped.txt'), 0o640)
  await utimes(join(source, 'stamped.txt'), 1_577_836_800, 1_577_836_800)
  await symlink('docs/deeper/notes.md', join(source, 'link-to-notes'))
  // over Kubo's 256 KiB of links a directory is HAMT-sharded
  hamtSource = join(dir, 'many')
  await mkdir(hamtSource)
  for (let index = 0; index < 1200; index++) {
    await writeFile(join(hamtSource, `${'entry-'.padEnd(200, 'x')}-${index}`), `${index}\n`)
  }
  kubo = await startKubo({ DATA_DIR: join(dir, 'kubo') })
}, 120_000)
afterAll(async () => {
  await terminateAllProcesses()
  await rm(dir, { recursive: true, force: true })
})

/** Fetches `cid` with the Helia client from Kubo alone, and with `ipfs get`; both written trees. */
async function bothGets (cid: string): Promise<{ helia: string, kubo: string }> {
  const out = await tempDir()
  const client = await runClient('ipfs/helia', ['get', cid, join(out, 'helia')], {
    SERVER_ADDR: kubo.ready.multiaddrs[0]!,
    FETCH_TIMEOUT_MS: '60000'
  })
  expectExitCode(client, 0)
  expect(client.stdout).toMatch(/every block checked against its CID ✓/)
  await kuboCli(['get', '-o', join(out, 'kubo'), cid])
  return { helia: join(out, 'helia'), kubo: join(out, 'kubo') }
}

const kuboSettings: Array<[string, string[]]> = [
  ['Kubo\'s defaults (CIDv0, dag-pb leaves, 256 KiB chunks)', []],
  ['CIDv1 (raw leaves)', ['--cid-version=1']],
  ['CIDv1 with dag-pb leaves', ['--cid-version=1', '--raw-leaves=false']],
  ['1 KiB chunks in a trickle DAG', ['--chunker=size-1024', '--trickle']],
  ['rabin chunks', ['--chunker=rabin-2048-65536-131072']],
  ['buzhash chunks', ['--chunker=buzhash']],
  ['SHA2-512', ['--hash=sha2-512']],
  ['SHA3-256', ['--hash=sha3-256']],
  ['BLAKE2b-256', ['--hash=blake2b-256']],
  ['BLAKE3', ['--hash=blake3']],
  ['inline CIDs for small blocks', ['--cid-version=1', '--inline', '--inline-limit=32']],
  ['mode and mtime kept', ['--preserve-mode', '--preserve-mtime']]
]

test.each(kuboSettings)(
  'Kubo adds the tree with %s; the Helia client writes what ipfs get writes',
  async (_what, flags) => {
    const cid = await kuboCli(['add', '-Q', '-r', ...flags, source])
    const written = await bothGets(cid)
    const withMtimes = flags.includes('--preserve-mtime')
    expect(await snapshot(written.helia, withMtimes)).toEqual(await snapshot(written.kubo, withMtimes))
    if (withMtimes) {
      expect((await snapshot(written.helia, true))['./stamped.txt']).toMatch(/^file mode 640 mtime 1577836800 /)
    }
  }
)

test('Kubo shards a directory of 1,200 entries (HAMT); the Helia client writes every entry', async () => {
  const cid = await kuboCli(['add', '-Q', '-r', hamtSource])
  const root = JSON.parse(await kuboCli(['dag', 'get', cid])) as { Data: { '/': { bytes: string } } }
  expect(UnixFS.unmarshal(Buffer.from(root.Data['/'].bytes, 'base64')).type).toBe('hamt-sharded-directory')
  const written = await bothGets(cid)
  const entries = await snapshot(written.helia, false)
  expect(Object.keys(entries)).toHaveLength(1201)
  expect(entries).toEqual(await snapshot(written.kubo, false))
})

test('an empty file and an empty directory added alone arrive as such', async () => {
  for (const path of [join(source, 'empty.txt'), join(source, 'nothing-here')]) {
    const written = await bothGets(await kuboCli(['add', '-Q', '-r', path]))
    expect(await snapshot(written.helia, false)).toEqual(await snapshot(written.kubo, false))
  }
})

test.each([['dag-cbor'], ['dag-json']])(
  'a %s DAG put with ipfs dag put: the Helia client fetches it whole and writes its root as ipfs dag get prints it',
  async storeCodec => {
    const leaf = await kuboCli(['add', '-Q', '--cid-version=1', join(source, 'small.txt')])
    const document = JSON.stringify({ name: 'a record', count: 3, nested: { list: [1, 2, 3] }, file: { '/': leaf } })
    const cid = await kuboCli(['dag', 'put', '--input-codec=dag-json', `--store-codec=${storeCodec}`], document)
    const out = join(await tempDir(), 'root.json')
    const client = await runClient('ipfs/helia', ['get', cid, out], {
      SERVER_ADDR: kubo.ready.multiaddrs[0]!,
      FETCH_TIMEOUT_MS: '60000'
    })
    expectExitCode(client, 0)
    // the root and the file it links
    expect(client.stdout).toMatch(/: a dag-\w+ DAG, its root written as dag-json, \d+ bytes, 2 blocks /)
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(
      JSON.parse(await kuboCli(['dag', 'get', '--output-codec=dag-json', cid]))
    )
  }
)

test('Kubo fetches what Helia made with other settings and by hand, and writes it as it was', async () => {
  const helia = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const fs = unixfs(helia)
    await kuboCli(['swarm', 'connect', helia.libp2p.getMultiaddrs()[0]!.toString()])
    const bytes = await readFile(join(source, 'big.bin'))
    const fileSettings: Array<[string, AddFileOptions]> = [
      ['CIDv0 with dag-pb leaves', { cidVersion: 0, rawLeaves: false }],
      ['1000-byte chunks, trickle', { chunker: fixedSize({ chunkSize: 1000 }), layout: trickle() }],
      [
        'rabin chunks, three links a node',
        {
          chunker: rabin({ minChunkSize: 4096, avgChunkSize: 8192, maxChunkSize: 16384 }),
          layout: balanced({ maxChildrenPerNode: 3 })
        }
      ],
      ['mode and mtime', { mode: 0o640, mtime: { secs: 1_577_836_800n } }]
    ]
    for (const [what, settings] of fileSettings) {
      const cid = await fs.addBytes(bytes, settings)
      const out = join(await tempDir(), 'file')
      await kuboCli(['get', '-o', out, cid.toString()])
      expect((await readFile(out)).equals(bytes), what).toBe(true)
      if (settings.mtime !== undefined) expect(Math.round((await lstat(out)).mtimeMs / 1000), what).toBe(1_577_836_800)
    }
    // a HAMT-sharded directory, made by Helia with a low threshold
    let sharded: CID | undefined
    const files = Array.from({ length: 300 }, (_unused, index) => ({
      path: `many/file-${index}`,
      content: new TextEncoder().encode(`${index}\n`)
    }))
    for await (const entry of fs.addAll(files, { shardSplitThresholdBytes: 1000 })) {
      if (entry.path === 'many') sharded = entry.cid
    }
    const shardedOut = join(await tempDir(), 'many')
    await kuboCli(['get', '-o', shardedOut, sharded!.toString()])
    expect((await readdir(shardedOut)).length).toBe(300)
    expect(await readFile(join(shardedOut, 'file-299'), 'utf8')).toBe('299\n')
    // a symlink made by hand
    const link = dagPb.encode({
      Data: new UnixFS({ type: 'symlink', data: new TextEncoder().encode('docs/deeper/notes.md') }).marshal(),
      Links: []
    })
    const linkCid = CID.createV0(await sha256.digest(link))
    await helia.blockstore.put(linkCid, link)
    const linkOut = join(await tempDir(), 'link')
    await kuboCli(['get', '-o', linkOut, linkCid.toString()])
    expect(await readlink(linkOut)).toBe('docs/deeper/notes.md')
  } finally {
    await helia.stop()
  }
})
