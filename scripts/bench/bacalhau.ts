// Bacalhau (peers/bacalhau/client), the local runner and real Bacalhau v1.9.3 measured the same way: submit →
// Completed for the demo's word-count job (IPFS input, ipfs publisher, output fetched back), and jobs/s for
// many small WASM jobs at once. Real Bacalhau needs its binary and Kubo's (scripts/real-peers.ts builds them).
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinaries, startRealBacalhau } from '../../peers/bacalhau/client/src/run/bacalhau.ts'
import { BacalhauClient, type Job } from '../../peers/bacalhau/client/src/client/index.ts'
import { runDemo } from '../../peers/bacalhau/client/src/client.ts'
import { readDemoConfig, readRunnerConfig } from '../../peers/bacalhau/client/src/run/config.ts'
import { startServer } from '../../peers/bacalhau/client/src/run/server.ts'
import { startRunner } from '../../peers/bacalhau/client/src/server.ts'
import { compileWat } from '../../peers/bacalhau/client/src/wasm/compile.ts'
import { percentile, round, timed, type BenchResult, type Scale } from './measure.ts'

export const NOOP_WAT = '(module (memory (export "memory") 1) (func (export "_start")))'

export function smallJob (wasm: Uint8Array, index: number): Job {
  const module = `data:application/wasm;base64,${Buffer.from(wasm).toString('base64')}`
  return {
    Name: `bench-${Date.now()}-${index}`,
    Type: 'batch',
    Tasks: [{
      Name: 'main',
      Engine: { Type: 'wasm', Params: { EntryModule: '/app/main.wasm', Entrypoint: '_start' } },
      InputSources: [{
        Target: '/app/main.wasm',
        Source: { Type: 'inline', Params: { URL: module } }
      }],
      Publisher: { Type: 'local' }
    }]
  }
}

async function measure (
  bench: string, api: string, ipfsPeer: string, work: string, scale: Scale
): Promise<BenchResult[]> {
  const demoRuns = scale === 'full' ? 5 : 1
  const jobCount = scale === 'full' ? 50 : 5
  await writeFile(join(work, 'input.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(1000))
  const config = readDemoConfig({ BACALHAU_API: api, IPFS_PEER: ipfsPeer, INPUT_FILE: join(work, 'input.txt') })
  const demo: number[] = []
  for (let run = 0; run < demoRuns; run++) demo.push((await timed(async () => runDemo(config, () => {}))).ms)

  const client = new BacalhauClient({ baseUrl: api })
  const wasm = await compileWat(NOOP_WAT)
  const batch = await timed(async () => Promise.all(Array.from({ length: jobCount }, async (_unused, index) => {
    const { JobID } = await client.submitJob(smallJob(wasm, index))
    const done = await client.waitForJob(JobID, { pollIntervalMs: 20 })
    if (done.Job.State?.StateType !== 'Completed') throw new Error(`job ${JobID} ended ${done.Job.State?.StateType}`)
  })))
  return [
    {
      bench,
      case: `demo job: IPFS input → WASM → ipfs publisher → output fetched (median of ${demoRuns})`,
      value: round(percentile(demo, 0.5), 0),
      unit: 'ms',
      detail: { min: round(Math.min(...demo), 0), max: round(Math.max(...demo), 0) }
    },
    {
      bench,
      case: `${jobCount} small WASM jobs submitted at once, until all Completed`,
      value: round(jobCount / (batch.ms / 1000), 1),
      unit: 'jobs/s',
      detail: { ms: round(batch.ms, 0) }
    }
  ]
}

export async function benchBacalhau (scale: Scale): Promise<BenchResult[]> {
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-bacalhau-'))
  const env = { DATA_DIR: join(work, 'runner'), API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const runner = await startServer(readRunnerConfig(env), startRunner)
  try {
    return await measure('bacalhau-runner', runner.ready.api, runner.ready.ipfs[0]!, work, scale)
  } finally {
    await runner.stop()
    await rm(work, { recursive: true, force: true })
  }
}

export async function benchBacalhauReal (scale: Scale): Promise<BenchResult[]> {
  const binaries = findBinaries()
  if (typeof binaries === 'string') throw new Error(binaries)
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-bacalhau-real-'))
  const bacalhau = await startRealBacalhau(binaries, join(work, 'node'))
  try {
    return await measure('bacalhau-real', bacalhau.api, bacalhau.ipfsPeer, work, scale)
  } finally {
    await bacalhau.stop()
    await rm(work, { recursive: true, force: true })
  }
}
