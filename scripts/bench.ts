// `pnpm bench [name…]`: every benchmark at full size on this machine, printed as one JSON line per result
// and a table; with --write, also BENCHMARKS.md and BENCHMARKS.jsonl at the repo root; --tiny runs each
// at a token size (the test suite does, to prove they work). Throughputs are
// divided by raw TCP on loopback measured in the same run. Names: libp2p-v1 libp2p-v3 ipfs-helia orbitdb-v2
// orbitdb-v4 bacalhau-runner startup, and against peers built with Go (scripts/real-peers.ts) kubo-interop
// bacalhau-real, which a run without names includes when their binaries are there, in headless Chromium
// browser (when Chromium is there), and on a Docker engine docker (image sizes, build times, up → healthy). Only
// when named: load, nat (root: hole punching per NAT pair and transport, relayed vs direct throughput in
// the NAT lab) and routing (root: finding providers and names in the routing tier's private DHT). `--write` with names
// replaces just those benchmarks' rows.
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findBinaries } from '../peers/bacalhau/client/src/run/bacalhau.ts'
import { chromiumPath } from './lib/launch-chromium.ts'
import { benchBacalhau, benchBacalhauReal } from './bench/bacalhau.ts'
import { benchBrowser } from './bench/in-chromium.ts'
import { benchDocker } from './bench/docker.ts'
import { benchKubo, profileHeliaWithKubo } from './bench/kubo.ts'
import { benchHelia, profileHeliaSmallFiles } from './bench/helia.ts'
import { benchLibp2pV1, profileLibp2pTcp } from './bench/libp2p-v1.ts'
import { benchLibp2pV3, profileLibp2pV3Tcp, profileLibp2pV3TcpSeparate } from './bench/libp2p-v3.ts'
import { foldRuns, type BenchResult, type Scale } from './bench/measure.ts'
import { orbitdbV2 } from './bench/orbitdb-v2.ts'
import { orbitdbV4 } from './bench/orbitdb-v4.ts'
import { benchLoad } from './bench/load.ts'
import { benchNat } from './bench/nat.ts'
import { benchRouting } from './bench/routing.ts'
import { benchServers } from './bench/servers.ts'
import { benchStartup } from './bench/startup.ts'

export const BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  'libp2p-v1': benchLibp2pV1,
  'libp2p-v3': benchLibp2pV3,
  'ipfs-helia': benchHelia,
  'orbitdb-v2': orbitdbV2.bench,
  'orbitdb-v4': orbitdbV4.bench,
  'bacalhau-runner': benchBacalhau,
  startup: benchStartup,
  servers: benchServers
}

/** Many clients at once against each server (`pnpm bench load`): only when named, it takes minutes. */
export const LOAD_BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  load: benchLoad
}

/**
 * In labs of network namespaces (root, minutes): only when named; the NAT and routing tiers run them at a token size.
 */
export const LAB_BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  nat: benchNat,
  routing: benchRouting
}

/**
 * On a running Docker engine: the docker tier runs this at a token size; a run without names includes it when an engine
 * answers.
 */
export const DOCKER_BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  docker: benchDocker
}

/**
 * In headless Chromium: the browser tier runs this at a token size; a run without names includes it when Chromium is
 * there.
 */
export const BROWSER_BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  browser: benchBrowser
}

/** Against Kubo and Bacalhau built with Go: the interop tier runs these at a token size. */
export const INTEROP_BENCHMARKS: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  'kubo-interop': benchKubo,
  'bacalhau-real': benchBacalhauReal
}

/** CPU profiles written into BENCHMARKS.md, each when its benchmark runs. */
const PROFILES: Array<{ bench: string, title: string, run: () => Promise<string> }> = [
  { bench: 'libp2p-v1', title: 'libp2p 1.x over TCP', run: async () => profileLibp2pTcp() },
  { bench: 'libp2p-v3', title: 'libp2p 3.x over TCP', run: async () => profileLibp2pV3Tcp() },
  {
    bench: 'libp2p-v3',
    title: 'libp2p 3.x over TCP, peers in separate processes',
    run: async () => profileLibp2pV3TcpSeparate()
  },
  {
    bench: 'ipfs-helia',
    title: 'Helia: 1,000 small files one after another',
    run: async () => profileHeliaSmallFiles()
  },
  {
    bench: 'kubo-interop',
    title: "Helia and Kubo: 64 MiB each way (Helia's process)",
    run: async () => profileHeliaWithKubo()
  },
  { bench: 'orbitdb-v4', title: 'OrbitDB 4.x puts', run: async () => orbitdbV4.profilePuts() },
  {
    bench: 'orbitdb-v4',
    title: 'OrbitDB 4.x replication of 1,000 entries',
    run: async () => orbitdbV4.profileReplication()
  },
  { bench: 'orbitdb-v2', title: 'OrbitDB 2.x puts', run: async () => orbitdbV2.profilePuts() },
  {
    bench: 'orbitdb-v2',
    title: 'OrbitDB 2.x replication of 1,000 entries',
    run: async () => orbitdbV2.profileReplication()
  }
]

/** Kubo fetching from Kubo in the same run: what the Helia rows are held to. */
const kuboReference = (all: BenchResult[]): BenchResult | undefined =>
  all.find(result => result.bench === 'kubo-interop' && /Kubo [\d.]+ → Kubo \(reference\)$/.test(result.case))

/** The targets (issues 13 and 26), checked against each run's medians. */
const ratioAtLeast =
  (goal: number) =>
    (result: BenchResult): boolean =>
      (result.ratio ?? 0) >= goal
const TARGETS: Array<{
  bench: string
  case: RegExp
  goal: string
  met: (result: BenchResult, all: BenchResult[]) => boolean
  figure?: (result: BenchResult) => string
}> = [
  { bench: 'libp2p-v1', case: /^tcp, 1 stream, shipped/, goal: 'ratio ≥ 0.30', met: ratioAtLeast(0.3) },
  { bench: 'libp2p-v1', case: /^ws, 1 stream, shipped/, goal: 'ratio ≥ 0.20', met: ratioAtLeast(0.2) },
  { bench: 'libp2p-v3', case: /^tcp, 1 stream, shipped/, goal: 'ratio ≥ 0.30', met: ratioAtLeast(0.3) },
  { bench: 'libp2p-v3', case: /^ws, 1 stream, shipped/, goal: 'ratio ≥ 0.20', met: ratioAtLeast(0.2) },
  {
    bench: 'libp2p-v3',
    case: /^tcp, 1 stream, shipped tuning, 1 MiB writes, peers in separate processes$/,
    goal: "≥ 0.5 of one core's ChaCha20-Poly1305, peers in separate processes (issue 26)",
    met: result => Number(result.detail?.to_cipher) >= 0.5,
    figure: result => `${result.detail?.to_cipher} of the cipher, ${result.value} ${result.unit}`
  },
  {
    bench: 'libp2p-v3',
    case: /^ws, 1 stream, shipped tuning, 1 MiB writes, peers in separate processes$/,
    goal: "≥ 0.35 of one core's ChaCha20-Poly1305, peers in separate processes (issue 26)",
    met: result => Number(result.detail?.to_cipher) >= 0.35,
    figure: result => `${result.detail?.to_cipher} of the cipher, ${result.value} ${result.unit}`
  },
  {
    bench: 'ipfs-helia',
    case: /MiB file over bitswap, peers in separate processes$/,
    goal: 'ratio ≥ 0.10, peers in separate processes (issue 26)',
    met: ratioAtLeast(0.1)
  },
  {
    bench: 'ipfs-helia',
    case: /1 KiB files, 1 at a time, peers in separate processes$/,
    goal: '≥ 500 blocks/s, peers in separate processes (issue 26)',
    met: result => result.value >= 500
  },
  { bench: 'orbitdb-v4', case: /documents put \(1000,/, goal: '≥ 1,000 writes/s', met: result => result.value >= 1000 },
  {
    bench: 'orbitdb-v4',
    case: /holds all 1000 entries, peers in separate processes$/,
    goal: '< 3 s, peers in separate processes',
    met: result => result.value < 3
  },
  {
    bench: 'orbitdb-v2',
    case: /documents put \(1000,/,
    goal: '≥ 1,000 writes/s (as close as 2.x allows)',
    met: result => result.value >= 1000
  },
  {
    bench: 'orbitdb-v2',
    case: /holds all 1000 entries, peers in separate processes$/,
    goal: '< 3 s, peers in separate processes',
    met: result => result.value < 3
  },
  {
    bench: 'kubo-interop',
    case: /over bitswap, Kubo → Helia$/,
    goal: 'Helia fetching ≥ Kubo fetching from Kubo (issue 26)',
    met: (result, all) => (result.ratio ?? 0) >= (kuboReference(all)?.ratio ?? Infinity),
    figure: result => `${result.ratio}, ${result.value} ${result.unit}`
  },
  {
    bench: 'kubo-interop',
    case: /over bitswap, Helia → Kubo$/,
    goal: 'Helia serving ≥ Kubo serving Kubo (issue 26)',
    met: (result, all) => (result.ratio ?? 0) >= (kuboReference(all)?.ratio ?? Infinity),
    figure: result => `${result.ratio}, ${result.value} ${result.unit}`
  },
  { bench: 'startup', case: /launch → first echoed message/, goal: '< 3,000 ms', met: result => result.value < 3000 },
  {
    bench: 'load',
    case: /^OrbitDB v4: 20 writers at once ask the server to host/,
    goal: '≥ 500 documents/s, writer p99 < 10 s (issue 26)',
    met: result => result.value >= 500 && Number(result.detail?.p99_ms) < 10_000,
    figure: result => `${result.value} ${result.unit}, p99 ${result.detail?.p99_ms} ms`
  },
  {
    bench: 'load',
    case: /^OrbitDB v2: 20 writers at once ask the server to host/,
    goal: '≥ 5 × 33.5 documents/s (issue 26: 5× the one-phase run)',
    met: result => result.value >= 5 * 33.5
  }
]

const repoRoot = join(import.meta.dirname, '..')

function liftoffPin (path: string, name: string): string {
  return (
    (JSON.parse(readFileSync(join(repoRoot, path, 'package.json'), 'utf8')) as { liftoff?: Record<string, string> })
      .liftoff?.[name] ?? '?'
  )
}

function versions (): string {
  const manifest = (path: string): Record<string, string> =>
    (
      JSON.parse(readFileSync(join(repoRoot, path, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>
      }
    ).dependencies ?? {}
  const pick = (path: string, names: string[]): string =>
    names.map(name => `${name} ${manifest(path)[name] ?? '?'}`).join(', ')
  const libp2pStack = [
    'libp2p', '@chainsafe/libp2p-noise', '@chainsafe/libp2p-yamux', '@libp2p/tcp', '@libp2p/websockets'
  ]
  return [
    `libp2p/v1: ${pick('peers/libp2p/v1', libp2pStack)}`,
    `libp2p/v3: ${pick('peers/libp2p/v3', libp2pStack)}`,
    `ipfs/helia: ${pick('peers/ipfs/helia', ['helia', '@helia/bitswap', '@helia/unixfs', 'libp2p'])}`,
    `orbitdb/v2: ${pick('peers/orbitdb/v2', ['@orbitdb/core', 'helia', 'libp2p', '@chainsafe/libp2p-gossipsub'])}`,
    `orbitdb/v4: ${pick('peers/orbitdb/v4', ['@orbitdb/core', 'helia', 'libp2p', '@libp2p/gossipsub'])}`,
    `bacalhau/client: ${pick('peers/bacalhau/client', ['helia', 'libp2p'])}`,
    `ipfs/kubo: Kubo ${liftoffPin('peers/ipfs/kubo', 'kubo')} (Go, built from its module), ` +
      `${pick('peers/ipfs/kubo', ['kubo-rpc-client'])}; real Bacalhau ` +
      `${liftoffPin('peers/bacalhau/client', 'bacalhau')}`
  ].map(line => `- ${line}`).join('\n')
}

function table (results: BenchResult[]): string {
  const rows = results.map(result => {
    const baseline = result.baseline === undefined ? '' : `${result.baseline} MiB/s`
    const detail = [
      ...(result.failures === undefined ? [] : [`failures ${result.failures}`]),
      ...Object.entries(result.detail ?? {}).map(([key, value]) => `${key} ${value}`)
    ].join(', ')
    return `| ${result.bench} | ${result.case} | ${result.value} ${result.unit} | ${baseline} | ` +
      `${result.ratio ?? ''} | ${detail} |`
  })
  return [
    '| bench | case | result | raw TCP baseline | ratio | detail |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}

function targets (results: BenchResult[]): string {
  const rows = TARGETS.map(target => {
    const result = results.find(candidate => candidate.bench === target.bench && target.case.test(candidate.case))
    if (result === undefined) return `| ${target.bench} | ${target.goal} | not measured | |`
    const spread =
      result.detail?.min !== undefined ? ` (runs: ${result.detail.min}–${result.detail.max} ${result.unit})` : ''
    const figure =
      target.figure?.(result) ??
      (result.ratio !== undefined && target.goal.startsWith('ratio')
        ? `${result.ratio}, ${result.value} ${result.unit}`
        : `${result.value} ${result.unit}`)
    return `| ${target.bench} | ${target.goal} | ${figure}${spread} | ` +
      `${target.met(result, results) ? 'met' : '**not met**'} |`
  })
  return ['| bench | target | this run (median) | |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

if (import.meta.main) {
  // libp2p 1.x can reject a read nobody awaits when a connection closes mid-identify; a benchmark run
  // should report that, not die of it.
  process.on('unhandledRejection', (err: Error) =>
    console.error(`bench: a library left a rejection unhandled: ${err.name}: ${err.message}`)
  )
  // The same stray abort sometimes surfaces as an uncaught exception (from an AbortSignal listener).
  process.on('uncaughtException', (err: Error) => {
    if (err.name !== 'AbortError') throw err
    console.error(`bench: a library threw from an abort listener: ${err.message}`)
  })
  const names = process.argv.slice(2).filter(arg => !arg.startsWith('--'))
  const write = process.argv.includes('--write')
  const scale: Scale = process.argv.includes('--tiny') ? 'tiny' : 'full'
  const all = {
    ...BENCHMARKS,
    ...INTEROP_BENCHMARKS,
    ...BROWSER_BENCHMARKS,
    ...DOCKER_BENCHMARKS,
    ...LOAD_BENCHMARKS,
    ...LAB_BENCHMARKS
  }
  const unknown = names.filter(name => !(name in all))
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(all).join(', ')}`)
    process.exit(1)
  }
  const missingPeers = findBinaries()
  if (names.length === 0 && typeof missingPeers === 'string') {
    console.log(`bench: not measuring ${Object.keys(INTEROP_BENCHMARKS).join(', ')}: ${missingPeers}`)
  }
  const engine = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0
  if (names.length === 0 && !engine) {
    console.log(
      `bench: not measuring ${Object.keys(DOCKER_BENCHMARKS).join(', ')}: no Docker engine answers (node ` +
        'scripts/liftoff.mjs test:docker brings one)'
    )
  }
  let chromium: string | undefined
  try {
    chromiumPath()
  } catch (err) {
    chromium = (err as Error).message
    if (names.length === 0) {
      console.log(`bench: not measuring ${Object.keys(BROWSER_BENCHMARKS).join(', ')}: ${chromium}`)
    }
  }
  const defaults = {
    ...BENCHMARKS,
    ...(typeof missingPeers === 'string' ? {} : INTEROP_BENCHMARKS),
    ...(chromium === undefined ? BROWSER_BENCHMARKS : {}),
    ...(engine ? DOCKER_BENCHMARKS : {})
  }
  // Every figure is the median of RUNS whole runs of its benchmark (each with its own baseline), min and max beside it.
  const runs = scale === 'tiny' ? 1 : Number(process.env.BENCH_RUNS ?? 3)
  const results: BenchResult[] = []
  for (const name of names.length > 0 ? names : Object.keys(defaults)) {
    const perRun: BenchResult[][] = []
    for (let run = 1; run <= runs; run++) {
      if (runs > 1) console.error(`bench: ${name}, run ${run} of ${runs}`)
      perRun.push(await all[name]!(scale))
    }
    for (const result of foldRuns(perRun)) {
      console.log(JSON.stringify(result))
      results.push(result)
    }
  }
  console.log('\n' + table(results) + '\n\n' + targets(results))
  // a run without names measures the defaults; the rows of every benchmark it did not measure (load, and
  // docker, interop or browser where their tools are missing) stay, in their place
  const measured = names.length > 0 ? names : Object.keys(defaults)
  if (write) {
    const previousRows = existsSync(join(repoRoot, 'BENCHMARKS.jsonl'))
      ? readFileSync(join(repoRoot, 'BENCHMARKS.jsonl'), 'utf8')
        .split('\n')
        .filter(line => line.trim() !== '')
        .map(line => JSON.parse(line) as BenchResult)
      : []
    // LOAD_CASES measures only some load cases: the load rows of the others stay
    const someLoadCases = process.env.LOAD_CASES !== undefined
    const merged = previousRows.filter(
      result =>
        !measured.includes(result.bench) ||
        (someLoadCases && result.bench === 'load' && !results.some(fresh => fresh.case === result.case))
    )
    for (const result of results) {
      const after = merged.findLastIndex(row => row.bench === result.bench)
      merged.splice(after === -1 ? merged.length : after + 1, 0, result)
    }
    results.splice(0, results.length, ...merged)
    const earlier = [...new Set(results.filter(result => !measured.includes(result.bench)).map(result => result.bench))]
    const cpu = cpus()
    const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, ` +
      `${process.platform} ${process.arch}, Node ${process.version}`
    const notes = readFileSync(join(import.meta.dirname, 'bench', 'NOTES.md'), 'utf8')
    // A profile is taken again when its benchmark ran; otherwise the previous BENCHMARKS.md's stays.
    const previousPage = existsSync(join(repoRoot, 'BENCHMARKS.md'))
      ? readFileSync(join(repoRoot, 'BENCHMARKS.md'), 'utf8')
      : ''
    const sections: string[] = []
    for (const profile of PROFILES) {
      const kept = new RegExp(
        `### ${profile.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n\n([\\s\\S]*?)\n(?=### |## Notes)`
      )
        .exec(previousPage)?.[1]
        ?.trimEnd()
      const text = measured.includes(profile.bench) ? await profile.run() : (kept ?? 'not profiled yet')
      sections.push(`### ${profile.title}\n\n${text}\n`)
    }
    writeFileSync(join(repoRoot, 'BENCHMARKS.jsonl'), results.map(result => JSON.stringify(result)).join('\n') + '\n')
    const today = new Date().toISOString().slice(0, 10)
    const fromEarlier = earlier.length > 0 ? ` (the ${earlier.join(', ')} rows from an earlier run)` : ''
    writeFileSync(join(repoRoot, 'BENCHMARKS.md'), `# Benchmarks

Measured by \`pnpm bench\` (scripts/bench.ts) on ${today}${fromEarlier}, all on loopback, on:
${machine}.

Library versions:
${versions()}

The raw results, one JSON object per line, are in [BENCHMARKS.jsonl](BENCHMARKS.jsonl). A figure is the
median of several whole runs of its benchmark when its detail column shows \`runs\` (with the smallest and
largest, \`min\` and \`max\`); \`pnpm bench\` makes 3 (BENCH_RUNS). Throughput ratios divide by raw Node TCP on
loopback measured in the same run (best of three, 1 MiB writes), and the ratio shown is the median of the
runs' ratios. Numbers on a
shared 2-core machine move by ±30 % from run to run; compare ratios, not absolute numbers.

## Results

${table(results)}

## Against the targets

${targets(results)}

## Where the time goes

Self time by owner during one piece of work, profiled in this process (client and server both, so the
shares add up to one core's work). "native (idle)" is time spent waiting for I/O or the other side.

${sections.join('\n')}
${notes}`)
    console.log('\nwrote BENCHMARKS.md and BENCHMARKS.jsonl')
  }
  process.exit(0)
}
