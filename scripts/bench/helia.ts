// Helia (peers/ipfs/helia): a 64 MiB file server → client over bitswap against raw TCP, and blocks/s for
// a directory of 1,000 small files.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { importPath } from '../../peers/ipfs/helia/src/files.ts'
import { createNode } from '../../peers/ipfs/helia/src/node.ts'
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
    await mkdir(join(work, 'small'))
    for (let index = 0; index < fileCount; index++) await writeFile(join(work, 'small', `file-${index}.txt`), randomBytes(1024))
    const dirCid = await importPath(unixfs(server), join(work, 'small'))
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
    // One file after another, as `client get` writes a directory; then 32 at a time. A fresh client each
    // time, so no block is already local.
    for (const concurrency of [1, 32]) {
      const fetcher = await createNode()
      try {
        await fetcher.libp2p.dial(server.libp2p.getMultiaddrs()[0]!)
        const files = unixfs(fetcher)
        const { ms, value: blocks } = await timed(async () => {
          const entries: Array<typeof dirCid> = []
          for await (const entry of files.ls(dirCid)) entries.push(entry.cid)
          const drain = async (): Promise<void> => {
            for (let cid = entries.pop(); cid !== undefined; cid = entries.pop()) for await (const _chunk of files.cat(cid)) { /* drain */ }
          }
          const count = entries.length + 1 // and the directory's own block
          await Promise.all(Array.from({ length: concurrency }, drain))
          return count
        })
        results.push({ bench: 'ipfs-helia', case: `directory of ${fileCount} × 1 KiB files, ${concurrency} at a time`, value: round(blocks / (ms / 1000), 1), unit: 'blocks/s', detail: { ms: round(ms, 0) } })
      } finally {
        await fetcher.stop()
      }
    }
    return results
  } finally {
    await server.stop()
    await rm(work, { recursive: true, force: true })
  }
}
