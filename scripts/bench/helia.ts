// Helia (peers/ipfs/helia): a 64 MiB file server → client over bitswap against raw TCP, and blocks/s for
// a directory of 1,000 small files; first with both peers in this process, then with the example's own
// server role (`src/server.ts`, SERVE_PATH) in a process of its own, as users run it. Clients fetch with
// src/tuned/bitswap.ts; one at a time, the directory is also fetched with Bitswap's defaults, the row beside.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { parseServerAddress } from '../../peers/ipfs/helia/src/dial.ts'
import { cidOfPath, drain, importPath } from '../../peers/ipfs/helia/src/files.ts'
import { createNode, type NodeOptions } from '../../peers/ipfs/helia/src/node.ts'
import { tunedBitswap } from '../../peers/ipfs/helia/src/tuned/bitswap.ts'
import { startProcess, waitForReady } from '../testing/processes.ts'
import { cpuProfile } from './profile.ts'
import { MiB, mibPerSecond, rawTcpThroughput, round, timed, type BenchResult, type Scale } from './measure.ts'
import { rawTcpSeparate, SEPARATE } from './separate.ts'

type Multiaddr = ReturnType<typeof parseServerAddress>
type Cid = Awaited<ReturnType<typeof importPath>>
/** Bitswap's own settings (an empty init), for the rows beside the tuned ones. */
const defaultBitswap: NodeOptions['bitswap'] = {}

/** What both setups serve: `big.bin` and a directory `small` of 1 KiB files, under `work`. */
async function writeContent (work: string, fileBytes: number, fileCount: number): Promise<void> {
  await writeFile(join(work, 'big.bin'), randomBytes(fileBytes))
  await mkdir(join(work, 'small'))
  for (let index = 0; index < fileCount; index++) {
    await writeFile(join(work, 'small', `file-${index}.txt`), randomBytes(1024))
  }
}

/** The fetches every setup is measured on, from a server at `address` holding `big` and `small`. */
async function measureFetches (address: Multiaddr, big: Cid, small: Cid, fileBytes: number, fileCount: number,
  raw: number, label: string): Promise<BenchResult[]> {
  // Best of three, each by a fresh client (nothing local yet), as the raw TCP baseline is a best of three.
  let ms = Number.POSITIVE_INFINITY
  for (let run = 0; run < 3; run++) {
    const fetcher = await createNode({ bitswap: tunedBitswap })
    try {
      await fetcher.libp2p.dial(address)
      const files = unixfs(fetcher)
      ms = Math.min(ms, (await timed(async () => { await drain(files.cat(big)) })).ms)
    } finally {
      await fetcher.stop()
    }
  }
  const value = mibPerSecond(fileBytes, ms)
  const results: BenchResult[] = [
    {
      bench: 'ipfs-helia',
      case: `${fileBytes / MiB} MiB file over bitswap${label}`,
      value,
      unit: 'MiB/s',
      baseline: raw,
      ratio: round(value / raw, 3)
    }
  ]
  // One file after another, as `client get` writes a directory, with Bitswap's defaults and tuned; then 32 at
  // a time. (The tuned rows keep their names from before src/tuned/, which scripts/bench.ts's goals match.)
  const runs = [
    { concurrency: 1, bitswap: defaultBitswap, name: 'Bitswap defaults, ' },
    { concurrency: 1, bitswap: tunedBitswap, name: '' },
    { concurrency: 32, bitswap: tunedBitswap, name: '' }
  ]
  for (const { concurrency, bitswap, name } of runs) {
    const { ms, blocks } = await fetchDirectory(address, small, concurrency, bitswap)
    results.push({
      bench: 'ipfs-helia',
      case: `directory of ${fileCount} × 1 KiB files, ${name}${concurrency} at a time${label}`,
      value: round(blocks / (ms / 1000), 1),
      unit: 'blocks/s',
      detail: { ms: round(ms, 0) }
    })
  }
  return results
}

export async function benchHelia (scale: Scale): Promise<BenchResult[]> {
  const fileBytes = scale === 'full' ? 64 * MiB : 2 * MiB
  const fileCount = scale === 'full' ? 1000 : 20
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-helia-'))
  try {
    const content = join(work, 'content')
    await mkdir(content)
    await writeContent(content, fileBytes, fileCount)
    const raw = await rawTcpThroughput(fileBytes, 1, MiB)
    const [rawSeparate] = await rawTcpSeparate(fileBytes, [1], MiB)
    const results: BenchResult[] = [
      { bench: 'ipfs-helia', case: 'raw TCP, 1 connection, 1 MiB writes', value: raw, unit: 'MiB/s' },
      {
        bench: 'ipfs-helia', case: `raw TCP, 1 connection, 1 MiB writes${SEPARATE}`, value: rawSeparate!, unit: 'MiB/s'
      }
    ]

    // a fresh client per row: more than libp2p's default 5 new connections a second from one host, as the
    // server role allows (INBOUND_CONNECTIONS_PER_SECOND, 200)
    const connectionManager = { inboundConnectionThreshold: 200 }
    const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], connectionManager })
    try {
      const files = unixfs(server)
      const big = await importPath(files, join(content, 'big.bin'))
      const small = await importPath(files, join(content, 'small'))
      const address = server.libp2p.getMultiaddrs()[0]!
      results.push(...await measureFetches(address, big, small, fileBytes, fileCount, raw, ''))
    } finally {
      await server.stop()
    }

    // The example's server role, as `pnpm start:server` runs it: blocks on disk, SERVE_PATH imported and pinned.
    const role = startProcess(['node', 'src/server.ts'], {
      cwd: join(import.meta.dirname, '..', '..', 'peers', 'ipfs', 'helia'),
      label: 'helia server',
      env: {
        DATA_DIR: join(work, 'server'),
        LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
        GATEWAY_LISTEN: '127.0.0.1:0',
        SERVE_PATH: content
      }
    })
    try {
      const ready = await waitForReady<{ multiaddrs: string[], cid: string }>(role, 300_000)
      // The same importer settings make the same CIDs here, without asking the server.
      const [root, big, small] = await Promise.all([
        cidOfPath(content), cidOfPath(join(content, 'big.bin')), cidOfPath(join(content, 'small'))
      ])
      if (ready.cid !== root.toString()) {
        throw new Error(`the server imported ${content} as ${ready.cid}, not ${root.toString()}`)
      }
      const address = parseServerAddress(ready.multiaddrs[0]!)
      results.push(...await measureFetches(address, big, small, fileBytes, fileCount, rawSeparate!, SEPARATE))
    } finally {
      await role.stop('SIGTERM', 10_000)
    }
    return results
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** A fresh client (no block local yet) fetches every file of the directory, `concurrency` at a time. */
async function fetchDirectory (address: Multiaddr, dirCid: Cid, concurrency: number,
  bitswap: NodeOptions['bitswap'] = tunedBitswap): Promise<{ ms: number, blocks: number }> {
  const fetcher = await createNode({ bitswap })
  try {
    await fetcher.libp2p.dial(address)
    const files = unixfs(fetcher)
    const { ms, value: blocks } = await timed(async () => {
      const entries: Cid[] = []
      for await (const entry of files.ls(dirCid)) entries.push(entry.cid)
      const worker = async (): Promise<void> => {
        for (let cid = entries.pop(); cid !== undefined; cid = entries.pop()) await drain(files.cat(cid))
      }
      const count = entries.length + 1 // and the directory's own block
      await Promise.all(Array.from({ length: concurrency }, worker))
      return count
    })
    return { ms, blocks }
  } finally {
    await fetcher.stop()
  }
}

/** Where the time goes while a client fetches 1,000 small files one after another (peers in this process). */
export async function profileHeliaSmallFiles (count = 1000): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-helia-profile-'))
  const server = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  try {
    await writeContent(work, 1024, count)
    const dirCid = await importPath(unixfs(server), join(work, 'small'))
    const address = server.libp2p.getMultiaddrs()[0]!
    const { value: { ms, blocks }, table } = await cpuProfile(async () => fetchDirectory(address, dirCid, 1))
    const rate = round(blocks / (ms / 1000), 1)
    return [`${blocks} blocks fetched one file after another: ${rate} blocks/s while profiled.`, '', table].join('\n')
  } finally {
    await server.stop()
    await rm(work, { recursive: true, force: true })
  }
}
