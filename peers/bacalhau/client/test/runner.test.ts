// The local runner's own behaviour, beyond the Bacalhau contract it shares with real Bacalhau
// (test/contract-suite.ts): persistence across restarts, republishing, resubmission by name.
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { expect, test } from 'vitest'
import { downloadResult } from '../src/client/index.ts'
import { readDemoConfig } from '../src/run/config.ts'
import { runDemo } from '../src/client.ts'
import { createIpfsNode } from '../src/ipfs.ts'
import { VERSION } from '../src/runner/api.ts'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { PROGRAMS, runnerConfig, startTestRunner, tempDir, wasmJob } from './fixtures.ts'

const silent = (): void => {}

async function demoConfig (runner: Awaited<ReturnType<typeof startTestRunner>>, env: Record<string, string> = {}) {
  const input = join(await tempDir(), 'input.txt')
  await writeFile(input, 'the quick brown fox\njumps over\n\tthe lazy dog\n')
  return readDemoConfig({ BACALHAU_API: runner.ready.api, IPFS_PEER: runner.ready.ipfs[0], INPUT_FILE: input, ...env })
}

test('the runner says what it is: not Bacalhau', async () => {
  const runner = await startTestRunner()
  expect(await runner.client.version()).toEqual(VERSION)
  expect(VERSION.GitCommit).toMatch(/^NOT BACALHAU/)
})

test('a job resolves by a unique ID prefix', async () => {
  const runner = await startTestRunner()
  const { JobID } = await runner.client.submitJob(await wasmJob(PROGRAMS.printEnvironment))
  expect((await runner.client.getJob(JobID.slice(0, 12))).Job.ID).toBe(JobID)
  await runner.client.waitForJob(JobID)
})

test('the same output published to IPFS twice (same CID) completes both times', async () => {
  const runner = await startTestRunner()
  const config = await demoConfig(runner)
  const first = await runDemo(config, silent)
  const second = await runDemo(config, silent)
  expect(second.result).toBe(first.result)
  expect(second.jobId).not.toBe(first.jobId)
})

test('an identical resubmission by name is refused unless forced', async () => {
  const runner = await startTestRunner()
  const job = await wasmJob(PROGRAMS.printEnvironment)
  const first = await runner.client.submitJob(job)
  await runner.client.waitForJob(first.JobID)
  await expect(runner.client.submitJob(job))
    .rejects.toMatchObject({ status: 400, body: { Message: expect.stringMatching(/already exists/) } })
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
  for (const jobId of [viaIpfs.jobId, viaHttp.jobId]) {
    expect((await second.client.getJob(jobId)).Job.State?.StateType).toBe('Completed')
  }
  const ipfs = await createIpfsNode()
  onCleanup('ipfs stop()', () => ipfs.stop())
  const { multiaddr } = await import('@multiformats/multiaddr')
  await ipfs.libp2p.dial(multiaddr(second.ready.ipfs[0]!))
  for (const jobId of [viaIpfs.jobId, viaHttp.jobId]) {
    const [result] = (await second.client.results(jobId)).Items ?? []
    const dir = await tempDir()
    await downloadResult(result!, dir, { ipfs, signal: AbortSignal.timeout(20_000) })
    const counts: unknown = JSON.parse(await readFile(join(dir, 'outputs', 'counts.json'), 'utf8'))
    expect(counts).toEqual({ bytes: 45, lines: 3, words: 9 })
  }
})

test('MAX_CONCURRENT_EXECUTIONS=1: a second job waits, BidAccepted, until the running execution ends', async () => {
  const runner = await startTestRunner(await runnerConfig({ MAX_CONCURRENT_EXECUTIONS: '1' }))
  const spinning = await runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 1 }))
  const quick = await runner.client.submitJob(await wasmJob(PROGRAMS.exitThree))
  const signal = AbortSignal.timeout(30_000)
  const [spun, done] = await Promise.all([spinning, quick]
    .map(async ({ JobID }) => runner.client.waitForJob(JobID, { signal, pollIntervalMs: 50 })))
  expect(spun!.Job.State?.StateType).toBe('Failed')
  expect(done!.Job.State?.StateType).toBe('Completed')
  const eventTime = async (jobId: string, message: string): Promise<number> => {
    const event = ((await runner.client.history(jobId)).Items ?? [])
      .find(item => item.Type === 'ExecutionLevel' && item.Event.Message === message)
    if (event === undefined) throw new Error(`no "${message}" in the history of ${jobId}`)
    return Date.parse(event.Time)
  }
  // the quick job ran only once the spinning job's first execution had timed out
  const timedOut = await eventTime(spinning.JobID, 'Execution timed out after 1s')
  expect(await eventTime(quick.JobID, 'Running')).toBeGreaterThanOrEqual(timedOut)
})

test('a result by CID: a symlink stays one; an entry named ".." is refused, nothing lands outside', async () => {
  const ipfs = await createIpfsNode()
  onCleanup('ipfs stop()', () => ipfs.stop())
  const put = async (bytes: Uint8Array): Promise<CID> => {
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    await ipfs.blockstore.put(cid, bytes)
    return cid
  }
  const symlink = new UnixFS({ type: 'symlink', data: new TextEncoder().encode('stdout') })
  const link = await put(dagPb.encode({ Data: symlink.marshal(), Links: [] }))
  const file = await unixfs(ipfs).addBytes(new TextEncoder().encode('escaped\n'))
  const directory = (links: Array<{ Name: string, Hash: CID }>): Uint8Array =>
    dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }))

  const good = join(await tempDir(), 'result')
  const goodCid = await put(directory([{ Name: 'latest', Hash: link }, { Name: 'stdout', Hash: file }]))
  await downloadResult({ Type: 'ipfs', Params: { CID: goodCid.toString() } }, good, { ipfs })
  expect(await readlink(join(good, 'latest'))).toBe('stdout')

  const parent = await tempDir()
  const badCid = await put(directory([{ Name: '..', Hash: file }]))
  await expect(downloadResult({ Type: 'ipfs', Params: { CID: badCid.toString() } }, join(parent, 'result'), { ipfs }))
    .rejects.toThrow(/^refused: the DAG names an entry "\.\." in /)
  expect(await readdir(parent)).toEqual(['result'])
  expect(await readdir(join(parent, 'result'))).toEqual([])
})
