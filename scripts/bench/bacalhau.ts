// The Bacalhau local runner (peers/bacalhau/client): submit → Completed for the demo's word-count job
// (IPFS input, ipfs publisher, output fetched back), and jobs/s for many small WASM jobs at once.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BacalhauClient, type Job } from '../../peers/bacalhau/client/src/client/index.ts'
import { readDemoConfig, runDemo } from '../../peers/bacalhau/client/src/client.ts'
import { readRunnerConfig, startRunner } from '../../peers/bacalhau/client/src/server.ts'
import { compileWat } from '../../peers/bacalhau/client/src/wasm/compile.ts'
import { percentile, round, timed, type BenchResult, type Scale } from './measure.ts'

const NOOP = '(module (memory (export "memory") 1) (func (export "_start")))'

function smallJob (wasm: Uint8Array, index: number): Job {
  return {
    Name: `bench-${Date.now()}-${index}`,
    Type: 'batch',
    Tasks: [{
      Name: 'main',
      Engine: { Type: 'wasm', Params: { EntryModule: '/app/main.wasm', Entrypoint: '_start' } },
      InputSources: [{ Target: '/app/main.wasm', Source: { Type: 'inline', Params: { URL: `data:application/wasm;base64,${Buffer.from(wasm).toString('base64')}` } } }],
      Publisher: { Type: 'local' }
    }]
  }
}

export async function benchBacalhau (scale: Scale): Promise<BenchResult[]> {
  const demoRuns = scale === 'full' ? 5 : 1
  const jobCount = scale === 'full' ? 50 : 5
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-bacalhau-'))
  const runner = await startRunner(readRunnerConfig({ DATA_DIR: join(work, 'runner'), API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }))
  try {
    await writeFile(join(work, 'input.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(1000))
    const config = readDemoConfig({ BACALHAU_API: runner.ready.api, IPFS_PEER: runner.ready.ipfs[0], INPUT_FILE: join(work, 'input.txt') })
    const demo: number[] = []
    for (let run = 0; run < demoRuns; run++) demo.push((await timed(async () => runDemo(config, () => {}))).ms)

    const client = new BacalhauClient({ baseUrl: runner.ready.api })
    const wasm = await compileWat(NOOP)
    const batch = await timed(async () => Promise.all(Array.from({ length: jobCount }, async (_unused, index) => {
      const { JobID } = await client.submitJob(smallJob(wasm, index))
      const done = await client.waitForJob(JobID, { pollIntervalMs: 20 })
      if (done.Job.State?.StateType !== 'Completed') throw new Error(`job ${JobID} ended ${done.Job.State?.StateType}`)
    })))
    return [
      { bench: 'bacalhau-runner', case: `demo job: IPFS input → WASM → ipfs publisher → output fetched (median of ${demoRuns})`, value: round(percentile(demo, 0.5), 0), unit: 'ms' },
      { bench: 'bacalhau-runner', case: `${jobCount} small WASM jobs submitted at once, until all Completed`, value: round(jobCount / (batch.ms / 1000), 1), unit: 'jobs/s', detail: { ms: round(batch.ms, 0) } }
    ]
  } finally {
    await runner.stop()
    await rm(work, { recursive: true, force: true })
  }
}
