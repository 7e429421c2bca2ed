// Helia (peers/ipfs/helia): a 64 MiB file server → client over bitswap against raw TCP, and blocks/s for
// a directory of 1,000 small files.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { importPath } from '../../peers/ipfs/helia/src/files.ts'
import { createNode } from '../../peers/ipfs/helia/src/node.ts'
import { cpuProfile } from './profile.ts'
import { MiB, mibPerSecond, rawTcpThroughput, round, timed, type BenchResult, type Scale } from './measure.ts'

export async function benchHelia (scale: Scale): Promise<BenchResult[]> {
  const fileBytes = scale === 'full' ? 64 * MiB : 2 * MiB
  const fileCount = scale === 'full' ? 1000 : 20
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-helia-'))
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const raw = await rawTcpThroughput(fileBytes, 1, MiB)
    await writeFile(join(work, 'big.bin'), randomBytes(fileBytes))
    const bigCid = await importPath(unixfs(server), join(work, 'big.bin'))
    const dirCid = await importSmallFiles(server, join(work, 'small'), fileCount)
    // Best of three, each by a fresh client (nothing local yet), as the raw TCP baseline is a best of three.
    let ms = Number.POSITIVE_INFINITY
    for (let run = 0; run < 3; run++) {
      const fetcher = await createNode()
      try {
        await fetcher.libp2p.dial(server.libp2p.getMultiaddrs()[0]!)
        const files = unixfs(fetcher)
        ms = Math.min(ms, (await timed(async () => {
          for await (const _chunk of files.cat(bigCid)) { /* drain */ }
        })).ms)
      } finally {
        await fetcher.stop()
      }
    }
    const value = mibPerSecond(fileBytes, ms)
    const results: BenchResult[] = [
      { bench: 'ipfs-helia', case: 'raw TCP, 1 connection, 1 MiB writes', value: raw, unit: 'MiB/s' },
      { bench: 'ipfs-helia', case: `${fileBytes / MiB} MiB file over bitswap`, value, unit: 'MiB/s', baseline: raw, ratio: round(value / raw, 3) }
    ]
    // One file after another, as `client get` writes a directory; then 32 at a time.
    for (const concurrency of [1, 32]) {
      const { ms, blocks } = await fetchDirectory(server, dirCid, concurrency)
      results.push({ bench: 'ipfs-helia', case: `directory of ${fileCount} × 1 KiB files, ${concurrency} at a time`, value: round(blocks / (ms / 1000), 1), unit: 'blocks/s', detail: { ms: round(ms, 0) } })
    }
    return results
  } finally {
    await server.stop()
    await rm(work, { recursive: true, force: true })
  }
}

type HeliaNode = Awaited<ReturnType<typeof createNode>>
type Cid = Awaited<ReturnType<typeof importPath>>

async function importSmallFiles (server: HeliaNode, dir: string, count: number): Promise<Cid> {
  await mkdir(dir)
  for (let index = 0; index < count; index++) await writeFile(join(dir, `file-${index}.txt`), randomBytes(1024))
  return importPath(unixfs(server), dir)
}

/** A fresh client (no block local yet) fetches every file of the directory, `concurrency` at a time. */
async function fetchDirectory (server: HeliaNode, dirCid: Cid, concurrency: number): Promise<{ ms: number, blocks: number }> {
  const fetcher = await createNode()
  try {
    await fetcher.libp2p.dial(server.libp2p.getMultiaddrs()[0]!)
    const files = unixfs(fetcher)
    const { ms, value: blocks } = await timed(async () => {
      const entries: Cid[] = []
      for await (const entry of files.ls(dirCid)) entries.push(entry.cid)
      const drain = async (): Promise<void> => {
        for (let cid = entries.pop(); cid !== undefined; cid = entries.pop()) for await (const _chunk of files.cat(cid)) { /* drain */ }
      }
      const count = entries.length + 1 // and the directory's own block
      await Promise.all(Array.from({ length: concurrency }, drain))
      return count
    })
    return { ms, blocks }
  } finally {
    await fetcher.stop()
  }
}

/** Where the time goes while a client fetches 1,000 small files one after another (both peers in this process). */
export async function profileHeliaSmallFiles (count = 1000): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-helia-profile-'))
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    const dirCid = await importSmallFiles(server, join(work, 'small'), count)
    const { value: { ms, blocks }, table } = await cpuProfile(async () => fetchDirectory(server, dirCid, 1))
    return [`${blocks} blocks fetched one file after another: ${round(blocks / (ms / 1000), 1)} blocks/s while profiled.`, '', table].join('\n')
  } finally {
    await server.stop()
    await rm(work, { recursive: true, force: true })
  }
}
