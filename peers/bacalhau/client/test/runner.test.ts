// End to end against the local runner over HTTP (and WebSocket, and libp2p for IPFS).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { BacalhauError, ExecutionState, downloadResult, executionStateName } from '../src/client/index.ts'
import { readDemoConfig, runDemo } from '../src/client.ts'
import { createIpfsNode } from '../src/ipfs.ts'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { PROGRAMS, runnerConfig, startTestRunner, tempDir, wasmJob } from './fixtures.ts'

const silent = (): void => {}

async function demoConfig (runner: Awaited<ReturnType<typeof startTestRunner>>, env: Record<string, string> = {}) {
  const input = join(await tempDir(), 'input.txt')
  const { writeFile } = await import('node:fs/promises')
  await writeFile(input, 'the quick brown fox\njumps over\n\tthe lazy dog\n')
  return readDemoConfig({ BACALHAU_API: runner.ready.api, IPFS_PEER: runner.ready.ipfs[0], INPUT_FILE: input, ...env })
}

test('the demo: input on IPFS → WASM job → output CID fetched from IPFS, counts verified', async () => {
  const runner = await startTestRunner()
  const outcome = await runDemo(await demoConfig(runner), silent)
  expect(outcome.counts).toEqual({ bytes: 45, lines: 3, words: 9 })
  expect(outcome.result).toMatch(/^ipfs bafy/)
  const { Job, Executions, History } = await runner.client.getJob(outcome.jobId, { executions: true, history: true })
  expect(Job.State?.StateType).toBe('Completed')
  expect(Executions?.Items?.[0]?.ComputeState.StateType).toBe(ExecutionState.Completed)
  expect(Executions?.Items?.[0]?.PublishedResult).toMatchObject({ Type: 'ipfs', Params: { CID: expect.stringMatching(/^bafy/) } })
  // the states real Bacalhau goes through, in order
  expect((History?.Items ?? []).filter(entry => entry.Type === 'JobLevel').map(entry => entry.JobState?.New)).toEqual(['Pending', 'Running', 'Completed'])
  expect((History?.Items ?? []).filter(entry => entry.Type === 'ExecutionLevel').map(entry => executionStateName(entry.ExecutionState!.New)))
    .toEqual(['New', 'BidAccepted', 'Running', 'Publishing', 'Completed'])
})

test('the same output published to IPFS twice (same CID) completes both times', async () => {
  const runner = await startTestRunner()
  const config = await demoConfig(runner)
  const first = await runDemo(config, silent)
  const second = await runDemo(config, silent)
  expect(second.result).toBe(first.result)
  expect(second.jobId).not.toBe(first.jobId)
})

test('the local publisher: a tar.gz over HTTP, recorded as urlDownload, with outputs, stdout, stderr and exitCode', async () => {
  const runner = await startTestRunner()
  const { jobId } = await runDemo(await demoConfig(runner, { PUBLISHER: 'local' }), silent)
  const [result] = (await runner.client.results(jobId)).Items ?? []
  expect(result).toMatchObject({ Type: 'urlDownload', Params: { URL: expect.stringMatching(new RegExp(`^${runner.ready.api}/results/e-[0-9a-f-]+\\.tar\\.gz$`)) } })
  const dir = await tempDir()
  await downloadResult(result!, dir)
  expect(JSON.parse(await readFile(join(dir, 'outputs', 'counts.json'), 'utf8'))).toEqual({ bytes: 45, lines: 3, words: 9 })
  expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('{"bytes":45,"lines":3,"words":9}\n')
  expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe('')
  expect(await readFile(join(dir, 'exitCode'), 'utf8')).toBe('0')
})

test('logs stream over the WebSocket endpoint; Env and Parameters reach the program', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.printEnvironment, { env: { GREETING: 'hi', COLOUR: 'blue' }, parameters: ['--alpha', 'beta'] }))
  const lines: string[] = []
  for await (const { stream, line } of runner.client.logs(JobID, { follow: true })) lines.push(`${stream}:${line}`)
  expect(lines).toEqual(expect.arrayContaining(['stdout:GREETING=hi', 'stdout:COLOUR=blue', 'stdout:/app/main.wasm', 'stdout:--alpha', 'stdout:beta']))
  expect((await runner.client.getJob(JobID)).Job.State?.StateType).toBe('Completed')
})

test('a job that traps ends Failed with the trap message, and the runner keeps serving', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.trap))
  const done = await runner.client.waitForJob(JobID, { signal: AbortSignal.timeout(30_000) })
  expect(done.Job.State).toMatchObject({ StateType: 'Failed', Message: expect.stringMatching(/wasm trap: unreachable/) })
  expect(done.Executions?.Items?.[0]?.ComputeState.StateType).toBe(ExecutionState.Failed)
  expect(await runner.client.alive()).toEqual({ Status: 'OK' })
  const next = await runner.client.submitJob(await wasmJob(PROGRAMS.printEnvironment))
  expect((await runner.client.waitForJob(next.JobID)).Job.State?.StateType).toBe('Completed')
})

test('a non-zero exit code fails the job and is recorded', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.exitThree))
  const done = await runner.client.waitForJob(JobID)
  expect(done.Job.State).toMatchObject({ StateType: 'Failed', Message: 'exit code 3' })
  expect(done.Executions?.Items?.[0]?.RunOutput).toMatchObject({ ExitCode: 3, ErrorMsg: 'exit code 3' })
})

test('a job over its execution timeout ends Failed', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 1 }))
  const done = await runner.client.waitForJob(JobID, { signal: AbortSignal.timeout(30_000) })
  expect(done.Job.State).toMatchObject({ StateType: 'Failed', Message: 'execution timed out after 1 s' })
  expect(await runner.client.alive()).toEqual({ Status: 'OK' })
})

test('stopping a running job ends it Stopped, its execution Cancelled', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 600 }))
  let stopping: Promise<unknown> | undefined
  await runner.client.waitForJob(JobID, {
    signal: AbortSignal.timeout(30_000),
    onStateChange: job => {
      if (job.Executions?.Items?.[0]?.ComputeState.StateType === ExecutionState.Running) stopping ??= runner.client.stopJob(JobID, 'enough spinning')
    }
  })
  expect(await stopping).toMatchObject({ EvaluationID: expect.any(String) })
  const { Job, Executions } = await runner.client.getJob(JobID, { executions: true })
  expect(Job.State).toMatchObject({ StateType: 'Stopped', Message: 'enough spinning' })
  expect(Executions?.Items?.[0]?.ComputeState.StateType).toBe(ExecutionState.Cancelled)
  await expect(runner.client.stopJob(JobID)).rejects.toMatchObject({ status: 400 })
})

test('an invalid spec gets 400 with Bacalhau\'s error shape; a Docker job is refused the same way', async () => {
  const runner = await startTestRunner()
  const docker = await wasmJob(PROGRAMS.trap)
  docker.Tasks[0]!.Engine = { Type: 'docker', Params: { Image: 'ubuntu:24.04', Entrypoint: ['echo', 'hi'] } }
  const error = await runner.client.submitJob(docker).catch((err: unknown) => err)
  expect(error).toBeInstanceOf(BacalhauError)
  expect(error).toMatchObject({ status: 400, body: { Status: 400, Code: 'ValidationError', Message: expect.stringMatching(/engine type "docker" is not supported/), RequestID: expect.any(String) } })

  const noEntryModule = await wasmJob(PROGRAMS.trap)
  noEntryModule.Tasks[0]!.InputSources = []
  await expect(runner.client.submitJob(noEntryModule)).rejects.toMatchObject({ status: 400, body: { Code: 'ValidationError', Message: expect.stringMatching(/EntryModule .* must be the Target/) } })
  const unsupportedSource = await wasmJob(PROGRAMS.trap)
  unsupportedSource.Tasks[0]!.InputSources!.push({ Target: '/data', Source: { Type: 's3', Params: { Bucket: 'b' } } })
  await expect(runner.client.submitJob(unsupportedSource)).rejects.toMatchObject({ status: 400, body: { Message: expect.stringMatching(/input source type "s3" is not supported/) } })
})

test('an unknown job ID gets 404 with Bacalhau\'s error shape', async () => {
  const runner = await startTestRunner()
  for (const call of [() => runner.client.getJob('j-does-not-exist'), () => runner.client.executions('nope'), () => runner.client.stopJob('nope')]) {
    await expect(call()).rejects.toMatchObject({ status: 404, body: { Status: 404, Code: 'NotFound', Message: expect.stringMatching(/job not found/) } })
  }
})

test('jobs list newest first and page with NextToken; a job resolves by name and by ID prefix', async () => {
  const runner = await startTestRunner()
  const ids: string[] = []
  for (let index = 0; index < 3; index++) ids.push((await runner.client.submitJob(await wasmJob(PROGRAMS.printEnvironment))).JobID)
  const firstPage = await runner.client.listJobs({ limit: 2 })
  expect(firstPage.Items).toHaveLength(2)
  expect(firstPage.NextToken).not.toBe('')
  const all: string[] = []
  for await (const job of runner.client.jobs({ limit: 2 })) all.push(job.ID!)
  expect(all).toEqual([...ids].reverse())
  const { Job } = await runner.client.getJob(ids[0]!)
  expect((await runner.client.getJob(Job.Name)).Job.ID).toBe(ids[0])
  expect((await runner.client.getJob(ids[0]!.slice(0, 12))).Job.ID).toBe(ids[0])
})

test('an identical resubmission by name is refused unless forced', async () => {
  const runner = await startTestRunner()
  const job = await wasmJob(PROGRAMS.printEnvironment)
  const first = await runner.client.submitJob(job)
  await runner.client.waitForJob(first.JobID)
  await expect(runner.client.submitJob(job)).rejects.toMatchObject({ status: 400, body: { Message: expect.stringMatching(/already exists/) } })
  const forced = await runner.client.submitJob(job, { force: true })
  expect(forced.JobID).toBe(first.JobID)
  expect((await runner.client.waitForJob(forced.JobID)).Job.Version).toBe(2)
})

test('a restarted runner keeps its jobs and their results', async () => {
  const config = await runnerConfig()
  const first = await startTestRunner(config)
  const port = new URL(first.ready.api).port
  const viaIpfs = await runDemo(await demoConfig(first), silent)
  const viaHttp = await runDemo(await demoConfig(first, { PUBLISHER: 'local' }), silent)
  await first.stop()

  const second = await startTestRunner({ ...config, apiPort: Number(port) })
  for (const jobId of [viaIpfs.jobId, viaHttp.jobId]) expect((await second.client.getJob(jobId)).Job.State?.StateType).toBe('Completed')
  const ipfs = await createIpfsNode()
  onCleanup('ipfs stop()', () => ipfs.stop())
  const { multiaddr } = await import('@multiformats/multiaddr')
  await ipfs.libp2p.dial(multiaddr(second.ready.ipfs[0]!))
  for (const jobId of [viaIpfs.jobId, viaHttp.jobId]) {
    const [result] = (await second.client.results(jobId)).Items ?? []
    const dir = await tempDir()
    await downloadResult(result!, dir, { ipfs, signal: AbortSignal.timeout(20_000) })
    expect(JSON.parse(await readFile(join(dir, 'outputs', 'counts.json'), 'utf8'))).toEqual({ bytes: 45, lines: 3, words: 9 })
  }
})
