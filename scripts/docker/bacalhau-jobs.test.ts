// Docker jobs on real Bacalhau v1.9.3: its compute node with the Docker executor on, over this tier's engine.
// The example's container (peers/bacalhau/client/src/container) is built on the base image, pushed to a real
// registry on loopback (scripts/docker/registry.ts) and removed here, so the node pulls it by digest; the
// demo puts its input into IPFS, Bacalhau reads it from Kubo by CID and publishes the output to Kubo. Then the
// failures users meet, each as real Bacalhau answers it and as the demo's one line. One registry and one
// Bacalhau serve every test.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { findBinaries, startRealBacalhau, type RealBacalhau } from '../../peers/bacalhau/client/src/run/bacalhau.ts'
import { runDemo } from '../../peers/bacalhau/client/src/client.ts'
import {
  BacalhauClient, type DockerEngine, type GetJobResponse, type Job
} from '../../peers/bacalhau/client/src/client/index.ts'
import { followJob, programRun, wordcountContainerJob } from '../../peers/bacalhau/client/src/job.ts'
import { baseImageName } from './engine.ts'
import { expectExitCode } from '../testing/processes.ts'
import { pushImage, startRegistry, type Registry } from './registry.ts'

const example = join(import.meta.dirname, '..', '..', 'peers', 'bacalhau', 'client')
const EMPTY_INPUT = 'bafkqaaa' // the empty identity CID: a failure case needs no real input
let dir: string
let registry: Registry | undefined
let bacalhau: RealBacalhau | undefined
let image: string
const daemonLog: string[] = []
const recentLog = (): string => daemonLog.slice(-30).join('\n')

beforeAll(async () => {
  const binaries = findBinaries()
  if (typeof binaries === 'string') throw new Error(binaries)
  dir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-docker-'))
  registry = await startRegistry(join(dir, 'registry'), () => {})
  const local = 'liftoff/bacalhau-wordcount:test'
  const context = join(example, 'src', 'container')
  const build = spawnSync('docker', ['build', '--quiet', '--build-arg', `BASE_IMAGE=${baseImageName()}`, '--tag', local,
    context], { encoding: 'utf8' })
  expectExitCode({ code: build.status, stdout: build.stdout, stderr: build.stderr, label: 'docker build' }, 0)
  image = pushImage(registry, local, 'liftoff/bacalhau-wordcount')
  bacalhau = await startRealBacalhau(binaries, join(dir, 'bacalhau'), line => daemonLog.push(line), { docker: true })
}, 300_000)

afterAll(async () => {
  await bacalhau?.stop()
  await registry?.stop()
  spawnSync('docker', ['image', 'rm', '--force', image])
  await rm(dir, { recursive: true, force: true })
}, 60_000)

test('the demo as a Docker job: the image pulled by digest from the local registry, the input by CID from Kubo, ' +
  'the output published to Kubo and checked', async () => {
  expect(image).toMatch(new RegExp(`^${registry!.host}/liftoff/bacalhau-wordcount@sha256:[0-9a-f]{64}$`))
  // the engine does not hold it before the job
  const before = spawnSync('docker', ['image', 'inspect', image], { encoding: 'utf8' })
  expectExitCode({ code: before.status, stdout: before.stdout, stderr: before.stderr, label: 'image inspect' }, 1)
  const inputFile = join(dir, 'input.txt')
  await writeFile(inputFile, 'compute over data\nin a container\n\tpulled from a registry\n')
  const lines: string[] = []
  const outcome = await runDemo({
    api: bacalhau!.api,
    auth: undefined,
    ipfsPeer: bacalhau!.ipfsPeer,
    inputFile,
    publisher: 'ipfs',
    image,
    waitTimeoutMs: 120_000
  }, line => lines.push(line)).catch((err: Error) => {
    throw new Error(`${err.message}\n--- demo\n${lines.join('\n')}\n--- bacalhau\n${recentLog()}`)
  })
  expect(outcome.result, lines.join('\n')).toMatch(/^ipfs (bafy|Qm)\w+$/)
  expect(outcome.counts).toEqual({ bytes: 57, lines: 3, words: 10 })
  expect(lines.join('\n')).toMatch(/stdout: counted \/inputs\/data\.txt: 57 bytes, 3 lines, 10 words \(exit code 0\)/)
  // the node pulled it: the engine holds the image by that digest now
  const pulled = spawnSync('docker', ['image', 'inspect', '--format', '{{join .RepoDigests " "}}', image], {
    encoding: 'utf8'
  })
  expect(pulled.stdout.trim().split(' '), pulled.stderr).toContain(image)
}, 180_000)

/** Submits `job`, waits for its end, and returns Bacalhau's final document and the demo's one line, if any. */
async function outcomeOf (job: Job): Promise<{ done: GetJobResponse, demoLine: string | undefined }> {
  const client = new BacalhauClient({ baseUrl: bacalhau!.api })
  job.Name = `${job.Name}-${Math.random().toString(36).slice(2)}`
  const { JobID } = await client.submitJob(job)
  const done = await client.waitForJob(JobID, { signal: AbortSignal.timeout(120_000) })
  const demoLine = await followJob(client, JobID, { timeoutMs: 10_000, started: performance.now(), log: () => {} })
    .then(programRun)
    .then(() => undefined, (err: Error) => err.message)
  return { done, demoLine }
}

/** The reason each of a job's executions gives for its end. */
const executionMessages = (done: GetJobResponse): string[] =>
  (done.Executions?.Items ?? []).map(execution => execution.ComputeState.Message ?? '')

/** The container job with other engine settings (an entrypoint, parameters) over the empty input. */
const containerJobWith = (params: Partial<DockerEngine['Params']>): Job => {
  const job = wordcountContainerJob(image, EMPTY_INPUT, 'ipfs')
  job.Tasks[0]!.Engine = { Type: 'docker', Params: { Image: image, ...params } }
  return job
}

test('an image the registry does not have: each try fails with "image not available", then the job', async () => {
  const missing = `${registry!.host}/liftoff/not-pushed@sha256:${'0'.repeat(64)}`
  const { done, demoLine } = await outcomeOf(wordcountContainerJob(missing, EMPTY_INPUT, 'ipfs'))
  expect(done.Job.State?.StateType, recentLog()).toBe('Failed')
  expect(done.Job.State?.Message).toMatch(/job already executed on this node more than once$/)
  expect(executionMessages(done)).toEqual([`image not available: "${missing}"`, `image not available: "${missing}"`])
  expect(demoLine).toBe(`job ${done.Job.ID} Failed: image not available: "${missing}"`)
}, 180_000)

test('a container that exits non-zero: the job completes, with the exit code and stderr in its run', async () => {
  const job = containerJobWith({ Parameters: ['/no/such/input', '/outputs/counts.json'] })
  const { done, demoLine } = await outcomeOf(job)
  expect(done.Job.State?.StateType, recentLog()).toBe('Completed')
  const run = done.Executions?.Items?.[0]?.RunOutput
  expect(run?.ExitCode).toBe(1)
  expect(run?.stderr).toMatch(/Error: ENOENT: no such file or directory, open '\/no\/such\/input'/)
  expect(demoLine).toBe(`job ${done.Job.ID}: its program exited with code 1: ` +
    'Error: ENOENT: no such file or directory, open \'/no/such/input\'')
}, 180_000)

test('a container past its execution timeout: each try is stopped, then the job fails', async () => {
  const job = containerJobWith({ Entrypoint: ['node', '-e', 'setTimeout(() => {}, 600_000)'] })
  job.Tasks[0]!.Timeouts = { ExecutionTimeout: 2 }
  const { done, demoLine } = await outcomeOf(job)
  expect(done.Job.State?.StateType, recentLog()).toBe('Failed')
  expect(executionMessages(done)).toEqual(['Execution timed out after 2s', 'Execution timed out after 2s'])
  expect(demoLine).toBe(`job ${done.Job.ID} Failed: Execution timed out after 2s`)
}, 180_000)

test('a container that writes more than the output limit: Bacalhau keeps the first 2 KiB of stdout in the run, ' +
  'marks it cut, and publishes the whole stream', async () => {
  const job = containerJobWith({ Entrypoint: ['node', '-e', 'process.stdout.write("x".repeat(1024 * 1024))'] })
  const { done, demoLine } = await outcomeOf(job)
  expect(done.Job.State?.StateType, recentLog()).toBe('Completed')
  const run = done.Executions?.Items?.[0]?.RunOutput
  expect({ length: run?.Stdout.length, truncated: run?.StdoutTruncated, exit: run?.ExitCode })
    .toEqual({ length: 2048, truncated: true, exit: 0 })
  expect(demoLine).toBeUndefined()
  expect(done.Executions?.Items?.[0]?.PublishedResult).toMatchObject({ Type: 'ipfs' })
}, 180_000)

test('a job asking for more memory than the node has: refused at scheduling, with the node\'s capacity', async () => {
  const job = wordcountContainerJob(image, EMPTY_INPUT, 'ipfs')
  job.Tasks[0]!.Resources = { CPU: '500m', Memory: '4000Gi' }
  const { done, demoLine } = await outcomeOf(job)
  expect(done.Job.State?.StateType, recentLog()).toBe('Failed')
  const refused = 'not enough nodes to run job. requested: 1, available: 1, suitable: 0.'
  const capacity = /• Node \S+: node busy with available capacity \{CPU: [\d.]+, Memory: [\d.]+ [KMGT]?B, /
  expect(done.Job.State?.Message?.split('\n')).toEqual([refused, expect.stringMatching(capacity)])
  expect(done.Executions?.Items ?? []).toEqual([])
  expect(demoLine).toBe(`job ${done.Job.ID} Failed: ${done.Job.State?.Message?.replaceAll('\n• ', ' ')}`)
}, 180_000)
