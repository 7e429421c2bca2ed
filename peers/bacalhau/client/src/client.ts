// Compute over data, the demo: put a file into IPFS, submit a WASM job (or, with WORKER_IMAGE, a Docker job) that
// reads it from an ipfs input and writes to /outputs, follow its states, then fetch the output (by CID from IPFS,
// or the local publisher's archive). Against the local runner by default; BACALHAU_API points it at real
// Bacalhau. `pnpm start:client`.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { BacalhauClient, downloadResult, type Auth } from './client/index.ts'
import { addDirectory, createIpfsNode } from './ipfs.ts'
import { followJob, programRun, wordcountContainerJob, wordcountJob } from './job.ts'
import { wordcountModule } from './wasm/compile.ts'
import { checkCounts, runClient, type Counts } from './run/client.ts'

export interface DemoConfig {
  api: string
  auth: Auth | undefined
  /** The IPFS node the job's compute node reads from: the runner's, or Kubo's swarm address. */
  ipfsPeer: string
  inputFile: string
  publisher: 'ipfs' | 'local'
  /** A container image (registry/name@digest) to count in, as a Docker job; otherwise the WASM module. */
  image: string | undefined
  waitTimeoutMs: number
}

type Log = (line: string) => void

export async function runDemo (config: DemoConfig, log: Log = console.log) {
  const bacalhau = new BacalhauClient({ baseUrl: config.api, auth: config.auth })
  const version = await bacalhau.version()
    .catch((err: Error) => { throw new Error(`cannot reach the Bacalhau API at ${config.api}: ${err.message}`) })
  const stand = version.GitCommit.startsWith('NOT BACALHAU') ? ' (the local runner, not Bacalhau)' : ''
  log(`Bacalhau API ${config.api}: ${version.GitVersion}${stand}`)
  const input = await readFile(config.inputFile).catch(() => { throw new Error(`no such file: ${config.inputFile}`) })

  const ipfs = await createIpfsNode()
  const workDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-'))
  try {
    // #region submit
    await ipfs.libp2p.dial(multiaddr(config.ipfsPeer), { signal: AbortSignal.timeout(15_000) })
      .catch((err: Error) => { throw new Error(`cannot reach the IPFS node at ${config.ipfsPeer}: ${err.message}`) })
    await writeFile(join(workDir, 'data.txt'), input)
    const inputCid = await addDirectory(ipfs, workDir)
    log(`input ${config.inputFile} (${input.byteLength} bytes) is on IPFS as ${inputCid}/data.txt`)

    const job = config.image === undefined
      ? wordcountJob(await wordcountModule(), inputCid.toString(), config.publisher)
      : wordcountContainerJob(config.image, inputCid.toString(), config.publisher)
    const started = performance.now()
    const { JobID } = await bacalhau.submitJob(job)
    log(`submitted ${job.Name} as ${JobID}`)
    const done = await followJob(bacalhau, JobID, { timeoutMs: config.waitTimeoutMs, started, log })
    // #endregion

    // #region result
    // The program's stdout, as the execution recorded it (Bacalhau streams logs of docker executions only).
    const run = programRun(done)
    const cut = run.StdoutTruncated ? ` (cut at ${run.Stdout.length} bytes by Bacalhau)` : ''
    log(`  stdout: ${run.Stdout.trim().slice(0, 200)}${cut} (exit code ${run.ExitCode})`)
    const [result] = (await bacalhau.results(JobID)).Items ?? []
    if (result === undefined) throw new Error(`job ${JobID} published no result`)
    await downloadResult(result, join(workDir, 'result'), { ipfs, auth: config.auth })
    const where = result.Type === 'ipfs'
      ? `ipfs ${result.Params.CID}`
      : result.Type === 'urlDownload' ? result.Params.URL : result.Type
    const counts = JSON.parse(await readFile(join(workDir, 'result', 'outputs', 'counts.json'), 'utf8')) as Counts
    // #endregion
    checkCounts(counts, input, where, log)
    log(`compute over data done in ${Math.round(performance.now() - started)} ms`)
    return { jobId: JobID, counts, result: where }
  } finally {
    await ipfs.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

// The harness (env config, one-line errors, the exit code) takes over here: src/run/client.ts.
if (import.meta.main) await runClient(runDemo)
