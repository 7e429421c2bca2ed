// Compute over data, the demo: put an input file into IPFS, submit a WASM job that reads it from an ipfs
// input source and writes to /outputs, follow its states, then fetch the output (by CID from IPFS, or the
// local publisher's archive) and show it. Against the local runner by default; BACALHAU_API points it at
// real Bacalhau. `pnpm start:client`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { BacalhauClient, downloadResult, ExecutionState, executionStateName, type Auth, type Job } from './client/index.ts'
import { addDirectory, createIpfsNode } from './ipfs.ts'
import { wordcountModule } from './wasm/compile.ts'
import { oneLine } from './client/errors.ts'

type Env = Record<string, string | undefined>
type Log = (line: string) => void

export interface DemoConfig {
  api: string
  auth: Auth | undefined
  /** The IPFS node the job's compute node reads from: the runner's, or Kubo's swarm address. */
  ipfsPeer: string
  inputFile: string
  publisher: 'ipfs' | 'local'
  waitTimeoutMs: number
}

export function readDemoConfig (env: Env = process.env): DemoConfig {
  const publisher = env.PUBLISHER ?? 'ipfs'
  if (publisher !== 'ipfs' && publisher !== 'local') throw new Error(`PUBLISHER must be ipfs or local, got "${publisher}"`)
  const waitTimeoutMs = Number(env.JOB_TIMEOUT_MS ?? '120000')
  if (!Number.isSafeInteger(waitTimeoutMs) || waitTimeoutMs <= 0) throw new Error(`JOB_TIMEOUT_MS must be a positive integer, got "${env.JOB_TIMEOUT_MS}"`)
  const auth: Auth | undefined = env.BACALHAU_TOKEN !== undefined && env.BACALHAU_TOKEN !== ''
    ? { bearer: env.BACALHAU_TOKEN }
    : env.BACALHAU_USER !== undefined ? { basic: { username: env.BACALHAU_USER, password: env.BACALHAU_PASSWORD ?? '' } } : undefined
  return {
    api: env.BACALHAU_API ?? 'http://127.0.0.1:1234',
    auth,
    ipfsPeer: env.IPFS_PEER ?? '/ip4/127.0.0.1/tcp/9401',
    inputFile: env.INPUT_FILE ?? join(import.meta.dirname, '..', 'README.md'),
    publisher,
    waitTimeoutMs
  }
}

// #region job
/** The job: run wordcount.wasm (shipped inline as a data: URL) over /inputs/data.txt, write /outputs/counts.json. */
export function wordcountJob (wasm: Uint8Array, inputCid: string, publisher: 'ipfs' | 'local'): Job {
  return {
    Name: `wordcount-${Date.now()}`,
    Type: 'batch',
    Count: 1,
    Labels: { app: 'ipfs-liftoff' },
    Tasks: [{
      Name: 'main',
      Engine: { Type: 'wasm', Params: { EntryModule: '/app/wordcount.wasm', Entrypoint: '_start', Parameters: ['/inputs/data.txt', '/outputs/counts.json'] } },
      InputSources: [
        { Target: '/app/wordcount.wasm', Source: { Type: 'inline', Params: { URL: `data:application/wasm;base64,${Buffer.from(wasm).toString('base64')}` } } },
        { Alias: 'data', Target: '/inputs', Source: { Type: 'ipfs', Params: { CID: inputCid } } }
      ],
      Publisher: { Type: publisher },
      ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
      Network: { Type: 'None' },
      Timeouts: { ExecutionTimeout: 60 }
    }]
  }
}
// #endregion

export interface Counts { bytes: number, lines: number, words: number }

export function countLocally (text: Buffer): Counts {
  const words = text.toString('latin1').split(/[ \t\n\v\f\r]+/).filter(word => word !== '').length
  return { bytes: text.byteLength, lines: text.filter(byte => byte === 10).length, words }
}

export async function runDemo (config: DemoConfig, log: Log = console.log): Promise<{ jobId: string, counts: Counts, result: string }> {
  const bacalhau = new BacalhauClient({ baseUrl: config.api, auth: config.auth })
  const version = await bacalhau.version().catch((err: Error) => { throw new Error(`cannot reach the Bacalhau API at ${config.api}: ${err.message}`) })
  log(`Bacalhau API ${config.api}: ${version.GitVersion}${version.GitCommit.startsWith('NOT BACALHAU') ? ' (the local runner, not Bacalhau)' : ''}`)
  const input = await readFile(config.inputFile).catch(() => { throw new Error(`no such file: ${config.inputFile}`) })

  const ipfs = await createIpfsNode()
  const workDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-'))
  try {
    await ipfs.libp2p.dial(multiaddr(config.ipfsPeer), { signal: AbortSignal.timeout(15_000) })
      .catch((err: Error) => { throw new Error(`cannot reach the IPFS node at ${config.ipfsPeer}: ${err.message}`) })
    await writeFile(join(workDir, 'data.txt'), input)
    const inputCid = await addDirectory(ipfs, workDir)
    log(`input ${config.inputFile} (${input.byteLength} bytes) is on IPFS as ${inputCid}/data.txt`)

    // #region submit
    const job = wordcountJob(await wordcountModule(), inputCid.toString(), config.publisher)
    const started = performance.now()
    const { JobID } = await bacalhau.submitJob(job)
    log(`submitted ${job.Name} as ${JobID}`)
    const done = await bacalhau.waitForJob(JobID, {
      signal: AbortSignal.timeout(config.waitTimeoutMs),
      onStateChange: ({ Job, Executions }) => {
        const executions = (Executions?.Items ?? []).map(execution => `${execution.ID.slice(0, 10)} ${executionStateName(execution.ComputeState.StateType)}`)
        log(`  job ${Job.State?.StateType}${executions.length > 0 ? `, execution ${executions.join(', ')}` : ''} (+${Math.round(performance.now() - started)} ms)`)
      }
    }).catch((err: Error) => { throw err.name === 'TimeoutError' ? new Error(`job ${JobID} did not finish within ${config.waitTimeoutMs} ms`) : err })
    if (done.Job.State?.StateType !== 'Completed') throw new Error(`job ${JobID} ${done.Job.State?.StateType}: ${done.Job.State?.Message ?? ''}`)

    // The program's stdout, as the execution recorded it (Bacalhau streams logs of docker executions only).
    const completed = (done.Executions?.Items ?? []).find(execution => execution.ComputeState.StateType === ExecutionState.Completed)
    log(`  stdout: ${completed?.RunOutput?.Stdout.trim() ?? ''} (exit code ${completed?.RunOutput?.ExitCode ?? '?'})`)
    const [result] = (await bacalhau.results(JobID)).Items ?? []
    if (result === undefined) throw new Error(`job ${JobID} published no result`)
    const resultDir = join(workDir, 'result')
    await downloadResult(result, resultDir, { ipfs, auth: config.auth })
    const where = result.Type === 'ipfs' ? `ipfs ${result.Params.CID}` : result.Type === 'urlDownload' ? result.Params.URL : result.Type
    const counts = JSON.parse(await readFile(join(resultDir, 'outputs', 'counts.json'), 'utf8')) as Counts
    // #endregion
    const expected = countLocally(input)
    const agrees = counts.bytes === expected.bytes && counts.lines === expected.lines && counts.words === expected.words
    log(`result (${where}): ${JSON.stringify(counts)}${agrees ? ' ✓ matches a local count' : ` ✗ a local count gives ${JSON.stringify(expected)}`}`)
    if (!agrees) throw new Error('the job\'s counts differ from a local count')
    log(`compute over data done in ${Math.round(performance.now() - started)} ms`)
    return { jobId: JobID, counts, result: where }
  } finally {
    await ipfs.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  try {
    await runDemo(readDemoConfig())
  } catch (err) {
    console.error(`client: ${oneLine((err as Error).message)}`)
    process.exitCode = 1
  }
}
