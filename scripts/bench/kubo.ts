// Helia and Kubo across implementations (peers/ipfs/helia, peers/ipfs/kubo): a 64 MiB file Helia → Kubo and
// Kubo → Helia over bitswap, with Kubo → Kubo as the reference and raw TCP as the baseline, all in one run.
// Needs a Kubo binary (scripts/real-peers.ts builds it). Each direction is a best of three, each run by a
// fetcher that holds none of the blocks (a fresh Helia node; a Kubo that dropped the pin and collected garbage).
// Every pair here is two processes already (Kubo runs as its own; Helia runs in this one), so each row also
// gives its ratio to raw TCP with the sink in a process of its own (`to_raw_separate`).
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { drain, importPath } from '../../peers/ipfs/helia/src/files.ts'
import { createNode } from '../../peers/ipfs/helia/src/node.ts'
import { add, connect } from '../../peers/ipfs/kubo/src/rpc.ts'
import { parseCid, parseMultiaddr } from '../../peers/ipfs/kubo/src/run/commands.ts'
import { readServerConfig } from '../../peers/ipfs/kubo/src/run/config.ts'
import { startKubo, type RunningKubo } from '../../peers/ipfs/kubo/src/server.ts'
import { cpuProfile } from './profile.ts'
import { MiB, mibPerSecond, rawTcpThroughput, round, timed, type BenchResult, type Scale } from './measure.ts'
import { rawTcpSeparate, SEPARATE } from './separate.ts'

// Both peers move the same DAG: Kubo imports with the unixfs-v1-2025 profile, whose settings are Helia's defaults
async function kuboNode (work: string, name: string): Promise<RunningKubo> {
  const config = readServerConfig({
    DATA_DIR: join(work, name),
    API_LISTEN: '127.0.0.1:0',
    GATEWAY_LISTEN: '127.0.0.1:0',
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
    IMPORT_PROFILE: 'unixfs-v1-2025'
  })
  return startKubo(config, () => {})
}

/** Kubo pins (fetches every block of) `cid` from a connected peer; the pin and the blocks are dropped after. */
async function kuboFetch (fetcher: RunningKubo, from: string, cidText: string): Promise<number> {
  const rpc = await connect({ api: fetcher.ready.api, timeoutMs: 300_000 })
  await rpc.swarm.connect(parseMultiaddr(from))
  const cid = parseCid(cidText, 'bench')
  const { ms } = await timed(async () => rpc.pin.add(cid))
  await rpc.pin.rm(cid)
  await drain(rpc.repo.gc()) // collect every unpinned block
  return ms
}

async function bestOf3 (run: () => Promise<number>): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let attempt = 0; attempt < 3; attempt++) best = Math.min(best, await run())
  return best
}

type HeliaNode = Awaited<ReturnType<typeof createNode>>

/** Two Kubo nodes (a source holding the file and a fetcher) and a Helia node holding it too, until `work` ends. */
interface Peers { source: RunningKubo, fetcher: RunningKubo, helia: HeliaNode, cid: string }
async function withPeers<T> (fileBytes: number, work: (peers: Peers) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'liftoff-bench-kubo-'))
  const started: Array<{ stop: () => Promise<unknown> }> = []
  try {
    const file = join(dir, 'big.bin')
    await writeFile(file, randomBytes(fileBytes))
    const source = await kuboNode(dir, 'source')
    started.push(source)
    const fetcher = await kuboNode(dir, 'fetcher')
    started.push(fetcher)
    const helia = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    started.push(helia)
    const kuboCid = (await add(await connect({ api: source.ready.api, timeoutMs: 300_000 }), file, () => {})).toString()
    const heliaCid = (await importPath(unixfs(helia), file)).toString()
    if (heliaCid !== kuboCid) throw new Error(`Helia and Kubo imported the same file as ${heliaCid} and ${kuboCid}`)
    return await work({ source, fetcher, helia, cid: kuboCid })
  } finally {
    for (const node of started.reverse()) await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** A fresh Helia node (nothing local) reads the whole file from the Kubo at `from`; ms. */
async function heliaFetch (from: string, cidText: string): Promise<number> {
  const client = await createNode()
  try {
    await client.libp2p.dial(parseMultiaddr(from))
    return (await timed(async () => { await drain(unixfs(client).cat(parseCid(cidText, 'bench'))) })).ms
  } finally {
    await client.stop()
  }
}

export async function benchKubo (scale: Scale): Promise<BenchResult[]> {
  const fileBytes = scale === 'full' ? 64 * MiB : 2 * MiB
  const raw = await rawTcpThroughput(fileBytes, 1, MiB)
  const [rawSeparate] = await rawTcpSeparate(fileBytes, [1], MiB)
  return withPeers(fileBytes, async ({ source, fetcher, helia, cid }) => {
    const kuboToKubo = await bestOf3(async () => kuboFetch(fetcher, source.ready.multiaddrs[0]!, cid))
    const heliaToKubo = await bestOf3(async () => kuboFetch(fetcher, helia.libp2p.getMultiaddrs()[0]!.toString(), cid))
    const kuboToHelia = await bestOf3(async () => heliaFetch(source.ready.multiaddrs[0]!, cid))
    const row = (label: string, ms: number): BenchResult => {
      const value = mibPerSecond(fileBytes, ms)
      return {
        bench: 'kubo-interop',
        case: `${fileBytes / MiB} MiB file over bitswap, ${label}`,
        value,
        unit: 'MiB/s',
        baseline: raw,
        ratio: round(value / raw, 3),
        detail: { to_raw_separate: round(value / rawSeparate!, 3) }
      }
    }
    return [
      { bench: 'kubo-interop', case: 'raw TCP, 1 connection, 1 MiB writes', value: raw, unit: 'MiB/s' },
      {
        bench: 'kubo-interop',
        case: `raw TCP, 1 connection, 1 MiB writes${SEPARATE}`,
        value: rawSeparate!,
        unit: 'MiB/s'
      },
      row(`Kubo ${source.ready.version} → Kubo (reference)`, kuboToKubo),
      row('Helia → Kubo', heliaToKubo),
      row('Kubo → Helia', kuboToHelia)
    ]
  })
}

/** Where Helia's time goes fetching 64 MiB from Kubo, and serving them to Kubo (Helia's process; Kubo runs apart). */
export async function profileHeliaWithKubo (fileBytes = 64 * MiB): Promise<string> {
  return withPeers(fileBytes, async ({ source, fetcher, helia, cid }) => {
    await heliaFetch(source.ready.multiaddrs[0]!, cid) // warm up
    const fetching = await cpuProfile(async () => heliaFetch(source.ready.multiaddrs[0]!, cid))
    const serving = await cpuProfile(async () => kuboFetch(fetcher, helia.libp2p.getMultiaddrs()[0]!.toString(), cid))
    const rate = (ms: number): string => `${mibPerSecond(fileBytes, ms)} MiB/s`
    return [
      `Helia fetching ${fileBytes / MiB} MiB from Kubo, ${rate(fetching.value)} while profiled:`, '',
      fetching.table, '',
      `Helia serving them to Kubo, ${rate(serving.value)} while profiled:`, '', serving.table
    ].join('\n')
  })
}
