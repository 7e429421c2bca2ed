// The job and its run: a word count over an IPFS input (a WASM module, or the same in a container image),
// submitted as plain data in Bacalhau's v1.9.3 shape, then followed through its states until it completes.
import {
  ExecutionState, executionStateName, type BacalhauClient, type GetJobResponse, type Job, type RunCommandResult
} from './client/index.ts'

// #region job
/** The job: run wordcount.wasm (shipped inline as a data: URL) over /inputs/data.txt, write /outputs/counts.json. */
export function wordcountJob (wasm: Uint8Array, inputCid: string, publisher: 'ipfs' | 'local'): Job {
  const module = `data:application/wasm;base64,${Buffer.from(wasm).toString('base64')}`
  return {
    Name: `wordcount-${Date.now()}`,
    Type: 'batch',
    Count: 1,
    Labels: { app: 'ipfs-liftoff' },
    Tasks: [{
      Name: 'main',
      Engine: {
        Type: 'wasm',
        Params: {
          EntryModule: '/app/wordcount.wasm',
          Entrypoint: '_start',
          Parameters: ['/inputs/data.txt', '/outputs/counts.json']
        }
      },
      InputSources: [
        { Target: '/app/wordcount.wasm', Source: { Type: 'inline', Params: { URL: module } } },
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

// #region container-job
/**
 * The same word count in a container: `image` (named by registry and digest, so every node runs the same bytes)
 * runs wordcount.ts over /inputs/data.txt and writes /outputs/counts.json, without a network, within 512 MiB.
 */
export function wordcountContainerJob (image: string, inputCid: string, publisher: 'ipfs' | 'local'): Job {
  return {
    Name: `wordcount-container-${Date.now()}`,
    Type: 'batch',
    Count: 1,
    Labels: { app: 'ipfs-liftoff' },
    Tasks: [{
      Name: 'main',
      Engine: {
        Type: 'docker',
        Params: { Image: image, Parameters: ['/inputs/data.txt', '/outputs/counts.json'] }
      },
      InputSources: [{ Alias: 'data', Target: '/inputs', Source: { Type: 'ipfs', Params: { CID: inputCid } } }],
      Publisher: { Type: publisher },
      ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
      Resources: { CPU: '500m', Memory: '512Mi' },
      Network: { Type: 'None' },
      Timeouts: { ExecutionTimeout: 120 }
    }]
  }
}
// #endregion

export interface FollowOptions {
  timeoutMs: number
  /** performance.now() at submission: each state change is logged with the time since. */
  started: number
  log: (line: string) => void
}

/** Waits for the job to finish, logging each change of the job's or an execution's state; throws unless Completed. */
export async function followJob (bacalhau: BacalhauClient, jobId: string, options: FollowOptions) {
  const { timeoutMs, started, log } = options
  // #region follow
  const done = await bacalhau.waitForJob(jobId, {
    signal: AbortSignal.timeout(timeoutMs),
    onStateChange: ({ Job, Executions }) => {
      const executions = (Executions?.Items ?? [])
        .map(execution => `${execution.ID.slice(0, 10)} ${executionStateName(execution.ComputeState.StateType)}`)
      const also = executions.length > 0 ? `, execution ${executions.join(', ')}` : ''
      log(`  job ${Job.State?.StateType}${also} (+${Math.round(performance.now() - started)} ms)`)
    }
  }).catch((err: Error) => {
    if (err.name !== 'TimeoutError') throw err
    throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms`)
  })
  // #endregion
  const state = done.Job.State
  if (state?.StateType === 'Completed') return done
  // a failed job's own message says only that no node could run it after its tries; its executions say why
  const why = (done.Executions?.Items ?? []).map(execution => execution.ComputeState.Message ?? '')
    .filter(message => message !== '' && message !== 'Running').at(-1)
  throw new Error(`job ${jobId} ${state?.StateType}: ${why ?? state?.Message?.replaceAll('\n• ', ' ') ?? ''}`)
}

/** How the job's program ran, from its completed execution; throws (one line) when it exited non-zero. */
export function programRun (done: GetJobResponse): RunCommandResult {
  const completed = (done.Executions?.Items ?? [])
    .find(execution => execution.ComputeState.StateType === ExecutionState.Completed)
  const run = completed?.RunOutput
  if (run === undefined || run === null) throw new Error(`job ${done.Job.ID}: no completed execution reported its run`)
  // Bacalhau calls a job Completed whatever its program's exit code (-1: a WASM module that returned from _start
  // without proc_exit, as wordcount.wasm does)
  if (run.ExitCode > 0) {
    const error = run.stderr.split('\n').find(line => /Error|error:/.test(line)) ?? run.stderr.trim().split('\n')[0]
    throw new Error(`job ${done.Job.ID}: its program exited with code ${run.ExitCode}: ${error}`)
  }
  return run
}
