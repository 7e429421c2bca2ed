// `pnpm bench load`: each example's real server process (`node src/server.ts`, its default connection
// limits) under many clients at once, from separate client processes on loopback (scripts/bench/load-worker.ts),
// bounded in number and in time. Every row has p50/p99 latency, throughput, failures and the server's peak
// RSS (VmHWM). Afterwards each server is checked for what it must hold (every document), and must stop cleanly.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BacalhauClient } from '../../peers/bacalhau/client/src/client/index.ts'
import { compileWat } from '../../peers/bacalhau/client/src/wasm/compile.ts'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { startProcess, unusedPort, waitForReady, type RoleProcess } from '../testing/processes.ts'
import { NOOP_WAT, smallJob } from './bacalhau.ts'
import { firstLine, memoryMiB, MiB, percentile, round, type BenchResult, type Scale } from './measure.ts'
import type { LoadJob, PhaseResult } from './load-worker.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const bench = 'load'

interface ServerReady {
  peerId: string
  multiaddrs: string[]
  cid?: string
  address?: string
  api?: string
  ipfs?: string[]
}

const peakRssMiB = async (pid: number): Promise<number> => memoryMiB(pid, 'VmHWM')

// LOAD_PROFILE_DIR=<dir>: each server writes a V8 CPU profile there when it stops (where its time went).
// LOAD_TRACE=1: a timeline on stderr, `T <epoch ms> …`: the server's log lines and each OrbitDB writer's steps.
const profileFlags =
  process.env.LOAD_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.LOAD_PROFILE_DIR}`]

async function startServer (
  example: string,
  dataDir: string,
  env: Record<string, string>
): Promise<{ server: RoleProcess, ready: ServerReady }> {
  const server = startProcess(['node', ...profileFlags, 'src/server.ts'], {
    cwd: join(repoRoot, example),
    label: `${example} server`,
    // the servers run with their opt-in speed-ups (src/tuned/), as the load targets were measured
    env: { DATA_DIR: dataDir, TUNED: '1', ...env },
    onLine: line => {
      if (process.env.LOAD_TRACE) console.error(`T ${Date.now()} server ${line}`)
    }
  })
  return { server, ready: await waitForReady<ServerReady>(server, 60_000) }
}

async function stopServer (server: RoleProcess): Promise<void> {
  const exit = await server.stop('SIGTERM', 30_000)
  if (exit.code !== 0) {
    throw new Error(
      `the server exited with ${exit.code ?? exit.signal} under load: ${server.stderr.slice(-3).join(' ')}`
    )
  }
}

/**
 * Starts one worker process per job. libp2p workers are released into their echo phase together once all
 * have connected, OrbitDB workers into their confirm phase once every writer's puts are made.
 */
async function runWorkers (jobs: LoadJob[], timeoutMs: number): Promise<PhaseResult[]> {
  const workers = jobs.map(job =>
    startProcess(['node', join(import.meta.dirname, 'load-worker.ts')], {
      cwd: repoRoot,
      label: `load worker ${job.kind}`,
      env: { LOAD_JOB: JSON.stringify(job) },
      stdin: 'pipe',
      onLine: line => {
        if (process.env.LOAD_TRACE && line.startsWith('T ')) console.error(line)
      }
    })
  )
  try {
    const barrier = jobs[0]?.kind === 'libp2p' ? /^CONNECTED$/ : jobs[0]?.kind === 'orbitdb' ? /^WRITTEN$/ : undefined
    if (barrier !== undefined) {
      await Promise.all(workers.map(async worker => worker.waitForLine(barrier, timeoutMs)))
      for (const worker of workers) worker.child.stdin?.write('go\n')
    }
    const exits = await Promise.race([
      Promise.all(workers.map(async worker => worker.exited)),
      new Promise<never>((_resolve, reject) =>
        setTimeout(() => reject(new Error(`load workers did not finish within ${timeoutMs} ms`)), timeoutMs).unref()
      )
    ])
    for (const [index, exit] of exits.entries()) {
      if (exit.code !== 0) {
        throw new Error(
          `load worker ${index} exited with ${exit.code ?? exit.signal}: ${workers[index]!.stderr.slice(-3).join(' ')}`
        )
      }
    }
    return workers.flatMap(worker =>
      worker.stdout
        .filter(line => line.startsWith('RESULT '))
        .map(line => JSON.parse(line.slice('RESULT '.length)) as PhaseResult)
    )
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL')
  }
}

/** One row from every worker's results of one phase. */
function row (
  what: string,
  phase: string,
  results: PhaseResult[],
  elapsedMs: number,
  unit: 'ops/s' | 'MiB/s',
  peakRss: number
): BenchResult {
  const mine = results.filter(result => result.phase === phase)
  const latencies = mine.flatMap(result => result.latenciesMs)
  const failures = mine.reduce((sum, result) => sum + result.failures, 0)
  const bytes = mine.reduce((sum, result) => sum + result.bytes, 0)
  const errors = [...new Set(mine.flatMap(result => result.errors))].slice(0, 3)
  const value =
    unit === 'MiB/s' ? round(bytes / MiB / (elapsedMs / 1000), 1) : round(latencies.length / (elapsedMs / 1000), 1)
  return {
    bench,
    case: what,
    value,
    unit,
    failures,
    detail: {
      p50_ms: round(percentile(latencies, 0.5), 0),
      p99_ms: round(percentile(latencies, 0.99), 0),
      ok: latencies.length,
      server_peak_rss_MiB: peakRss,
      ...(errors.length > 0 ? { errors: errors.join(' | ') } : {})
    }
  }
}

async function libp2pLoad (major: 'v1' | 'v3', scale: Scale): Promise<BenchResult[]> {
  const workers = scale === 'full' ? 10 : 2
  const clientsPerWorker = scale === 'full' ? 50 : 5
  const streamsPerClient = 4
  const echoBytes = 64 * 1024
  const dataDir = await mkdtemp(join(tmpdir(), `liftoff-load-libp2p-${major}-`))
  const { server, ready } = await startServer(`peers/libp2p/${major}`, dataDir, {
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0'
  })
  try {
    const jobs: LoadJob[] = Array.from({ length: workers }, () => ({
      kind: 'libp2p',
      major,
      server: ready.multiaddrs[0]!,
      clients: clientsPerWorker,
      streamsPerClient,
      echoBytes,
      deadlineMs: 120_000
    }))
    const results = await runWorkers(jobs, 300_000)
    // each phase's elapsed time: from its start (all at once) to its slowest operation
    const connectedAt = Math.max(
      ...results.filter(result => result.phase === 'connect').flatMap(result => result.latenciesMs),
      1
    )
    const peak = await peakRssMiB(server.child.pid!)
    const clients = workers * clientsPerWorker
    const echoResults = results.filter(result => result.phase === 'echo')
    const echoElapsed = Math.max(...echoResults.flatMap(result => result.latenciesMs), 1)
    return [
      row(
        `libp2p ${major}: ${clients} clients connect at once from one host (${workers} processes), each answered a ` +
          'request',
        'connect',
        results,
        connectedAt,
        'ops/s',
        peak
      ),
      row(
        `libp2p ${major}: ${clients * streamsPerClient} echo streams at once (${echoBytes / 1024} KiB each, checked)`,
        'echo', results, echoElapsed, 'MiB/s', peak
      )
    ]
  } finally {
    await stopServer(server)
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function heliaLoad (scale: Scale): Promise<BenchResult[]> {
  const workers = scale === 'full' ? 5 : 2
  const clientsPerWorker = scale === 'full' ? 10 : 2
  const bytes = scale === 'full' ? 10 * MiB : MiB
  const work = await mkdtemp(join(tmpdir(), 'liftoff-load-helia-'))
  await writeFile(join(work, 'file.bin'), randomBytes(bytes))
  const { server, ready } = await startServer('peers/ipfs/helia', join(work, 'server'), {
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
    GATEWAY_LISTEN: '127.0.0.1:0',
    SERVE_PATH: join(work, 'file.bin')
  })
  try {
    const jobs: LoadJob[] = Array.from({ length: workers }, () => ({
      kind: 'ipfs-helia',
      server: ready.multiaddrs[0]!,
      cid: ready.cid!,
      bytes,
      clients: clientsPerWorker,
      deadlineMs: 240_000
    }))
    const results = await runWorkers(jobs, 300_000)
    const elapsed = Math.max(...results.flatMap(result => result.latenciesMs), 1)
    return [
      row(
        `Helia: ${workers * clientsPerWorker} clients fetch the same ${bytes / MiB} MiB file at once (${workers} ` +
          'processes, every block verified)',
        'fetch',
        results,
        elapsed,
        'MiB/s',
        await peakRssMiB(server.child.pid!)
      )
    ]
  } finally {
    await stopServer(server)
    await rm(work, { recursive: true, force: true })
  }
}

async function orbitdbLoad (major: 'v2' | 'v4', scale: Scale): Promise<BenchResult[]> {
  const workers = scale === 'full' ? 4 : 1
  const writersPerWorker = scale === 'full' ? 5 : 2
  const documents = scale === 'full' ? 500 : 10
  // the server joins and verifies every writer's entries one writer at a time: minutes at full size
  const deadlineMs = scale === 'full' ? 900_000 : 600_000
  const writers = await Promise.all(
    Array.from({ length: workers * writersPerWorker }, async () => generateIdentityKey())
  )
  const work = await mkdtemp(join(tmpdir(), `liftoff-load-orbitdb-${major}-`))
  // the server waits for a writer's entries as long as the writer waits for it (its default is 120 s)
  const { server, ready } = await startServer(`peers/orbitdb/${major}`, join(work, 'server'), {
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
    WRITERS: writers.map(writer => writer.identityId).join(','),
    MAX_WAIT_MS: String(deadlineMs)
  })
  try {
    const jobs: LoadJob[] = Array.from({ length: workers }, (_unused, worker) => ({
      kind: 'orbitdb',
      major,
      server: ready.multiaddrs[0]!,
      address: ready.address!,
      documents,
      deadlineMs,
      firstWriter: worker * writersPerWorker,
      identityKeys: writers.slice(worker * writersPerWorker, (worker + 1) * writersPerWorker).map(writer => writer.key)
    }))
    const results = await runWorkers(jobs, deadlineMs + 300_000)
    const total = writers.length * documents
    // each phase from its start (all at once) to its slowest writer; in documents per second, not writers
    const elapsedOf = (phase: string): number =>
      Math.max(...results.filter(result => result.phase === phase).flatMap(result => result.latenciesMs), 1)
    const peak = await peakRssMiB(server.child.pid!)
    // a phase's row, in documents per second
    const documentsRow = (what: string, phase: string): BenchResult => {
      const result = row(what, phase, results, elapsedOf(phase), 'ops/s', peak)
      result.value = round(total / (elapsedOf(phase) / 1000), 1)
      result.unit = 'documents/s'
      return result
    }
    const puts = documentsRow(
      `OrbitDB ${major}: ${writers.length} writers × ${documents} documents (${workers} processes), ` +
        "the writers' own puts (each writer from its start)",
      'write'
    )
    const written = documentsRow(
      `OrbitDB ${major}: ${writers.length} writers at once ask the server to host their ${documents} ` +
        'new documents each, and are confirmed',
      'confirm'
    )
    // a reader afterwards: it must get every document from the server
    const reader = startProcess(['node', 'src/client.ts'], {
      cwd: join(repoRoot, `peers/orbitdb/${major}`),
      label: 'reader',
      env: {
        SERVER_ADDR: ready.multiaddrs[0]!,
        DB_ADDRESS: ready.address!,
        WRITES: '0',
        TUNED: '1',
        CLIENT_NAME: 'reader',
        DATA_DIR: join(work, 'reader'),
        SYNC_TIMEOUT_MS: String(deadlineMs)
      }
    })
    const exit = await reader.exited
    const synced = reader.stdout.find(line => /^synced in/.test(line)) ?? ''
    const serverEntries = Number(/the server holds all (\d+) entries/.exec(synced)?.[1])
    const readerDocuments = Number(/this replica has (\d+) documents/.exec(synced)?.[1])
    if (exit.code !== 0 || serverEntries !== total || readerDocuments !== total) {
      written.failures = (written.failures ?? 0) + total - Math.min(serverEntries || 0, readerDocuments || 0)
      written.detail = { ...written.detail, reader: exit.code === 0 ? synced : reader.stderr.join(' ') }
    }
    written.detail = { ...written.detail, server_entries: serverEntries, reader_documents: readerDocuments }
    return [puts, written]
  } finally {
    await stopServer(server)
    await rm(work, { recursive: true, force: true })
  }
}

async function bacalhauLoad (scale: Scale): Promise<BenchResult[]> {
  const jobCount = scale === 'full' ? 500 : 10
  const work = await mkdtemp(join(tmpdir(), 'liftoff-load-bacalhau-'))
  const { server, ready } = await startServer('peers/bacalhau/client', work, {
    API_LISTEN: `127.0.0.1:${await unusedPort()}`,
    IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0'
  })
  try {
    const client = new BacalhauClient({ baseUrl: ready.api! })
    const wasm = await compileWat(NOOP_WAT)
    const latencies: number[] = []
    const errors: string[] = []
    let failures = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: jobCount }, async (_unused, index) => {
        const submitted = performance.now()
        try {
          const { JobID } = await client.submitJob(smallJob(wasm, index))
          const done = await client.waitForJob(JobID, { pollIntervalMs: 100, signal: AbortSignal.timeout(300_000) })
          if (!['Completed', 'Failed', 'Stopped'].includes(done.Job.State?.StateType ?? '')) {
            throw new Error(`job ${JobID} is ${done.Job.State?.StateType}`)
          }
          if (done.Job.State?.StateType !== 'Completed') {
            throw new Error(`job ${JobID} ended ${done.Job.State?.StateType}: ${done.Job.State?.Message ?? ''}`)
          }
          latencies.push(performance.now() - submitted)
        } catch (err) {
          failures++
          if (errors.length < 3) errors.push((err as Error).message)
        }
      })
    )
    const elapsed = performance.now() - started
    return [
      {
        bench,
        case: `Bacalhau local runner: ${jobCount} WASM jobs submitted at once, each to a terminal state`,
        value: round(latencies.length / (elapsed / 1000), 1),
        unit: 'jobs/s',
        failures,
        detail: {
          p50_ms: round(percentile(latencies, 0.5), 0),
          p99_ms: round(percentile(latencies, 0.99), 0),
          ok: latencies.length,
          server_peak_rss_MiB: await peakRssMiB(server.child.pid!),
          ...(errors.length > 0 ? { errors: errors.join(' | ') } : {})
        }
      }
    ]
  } finally {
    await stopServer(server)
    await rm(work, { recursive: true, force: true })
  }
}

const LOAD_CASES: Record<string, (scale: Scale) => Promise<BenchResult[]>> = {
  'libp2p-v1': async scale => libp2pLoad('v1', scale),
  'libp2p-v3': async scale => libp2pLoad('v3', scale),
  'ipfs-helia': heliaLoad,
  'orbitdb-v4': async scale => orbitdbLoad('v4', scale),
  'orbitdb-v2': async scale => orbitdbLoad('v2', scale),
  'bacalhau-runner': bacalhauLoad
}

/** Every case, or only those named in LOAD_CASES (comma-separated: libp2p-v1,orbitdb-v4,…). */
export async function benchLoad (scale: Scale): Promise<BenchResult[]> {
  const names =
    process.env.LOAD_CASES?.split(',')
      .map(name => name.trim())
      .filter(name => name !== '') ?? Object.keys(LOAD_CASES)
  const unknown = names.filter(name => !(name in LOAD_CASES))
  if (unknown.length > 0) {
    throw new Error(`LOAD_CASES: no load case ${unknown.join(', ')} (known: ${Object.keys(LOAD_CASES).join(', ')})`)
  }
  const results: BenchResult[] = []
  for (const name of names) {
    try {
      results.push(...await LOAD_CASES[name]!(scale))
    } catch (err) {
      // a case that did not finish is a row of its own, so the rows of the cases before it are not lost
      const reason = firstLine(err)
      console.error(`bench: load case ${name} did not finish: ${reason}`)
      results.push({
        bench,
        case: `${name}: did not finish`,
        value: 0,
        unit: 'ops/s',
        failures: 1,
        detail: { error: reason }
      })
    }
  }
  return results
}
