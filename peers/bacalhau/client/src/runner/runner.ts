// The local runner's orchestrator and compute node in one: it accepts a job, creates one execution, and
// moves job and execution through the states real Bacalhau uses (job Pending → Running → Completed |
// Failed | Stopped; execution New → BidAccepted → Running → Publishing → Completed | Failed | Cancelled),
// recording each change in the job's history.
import { randomUUID } from 'node:crypto'
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import { create as createTar } from 'tar'
import { ExecutionDesiredState, ExecutionState, TERMINAL_JOB_STATES, type Execution, type ExecutionStateType, type Job, type JobStateType, type PublishedResult, type PutJobResponse, type Task } from '../client/types.ts'
import { addDirectory, exportTo, type IpfsNode } from '../ipfs.ts'
import { validateJob } from './validate.ts'
import type { JobRecord, JobStore } from './store.ts'
import type { WasmOutcome, WasmRun } from './wasm-worker.ts'

export const NODE_ID = 'liftoff-local-runner'
const RUN_OUTPUT_LIMIT = 2048

function nowNs (): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

export interface RunnerOptions {
  store: JobStore
  ipfs: IpfsNode
  dataDir: string
  /** Where clients reach this runner (known once it listens); local results are published under it. */
  publicUrl: () => string
  /** For tasks without Timeouts.ExecutionTimeout. */
  defaultTimeoutSeconds: number
  /** How long an ipfs input may take to fetch. */
  inputTimeoutMs: number
}

export class JobConflictError extends Error {}
export class NotFoundError extends Error {}
export class InvalidStateError extends Error {}

export class Runner {
  private readonly options: RunnerOptions
  private readonly running = new Map<string, { worker?: Worker, stopReason?: string }>()
  private readonly inFlight = new Set<Promise<void>>()
  private closing = false

  constructor (options: RunnerOptions) {
    this.options = options
  }

  /** Marks executions that were running when the runner stopped as failed. */
  async recover (): Promise<void> {
    for (const record of this.options.store.list()) {
      const execution = record.executions.at(-1)
      if (execution === undefined || TERMINAL_JOB_STATES.has(record.job.State?.StateType ?? 'Undefined')) continue
      this.setExecutionState(record, execution, ExecutionState.Failed, 'the runner restarted while this execution was running')
      this.setJobState(record, 'Failed', 'the runner restarted while this job was running')
      await this.options.store.save(record)
    }
  }

  async submit (submitted: unknown, force: boolean): Promise<PutJobResponse> {
    validateJob(submitted)
    const now = nowNs()
    const name = submitted.Name === undefined || submitted.Name === '' ? undefined : submitted.Name
    const existing = name === undefined ? undefined : this.options.store.find(name)
    if (existing !== undefined && !force && JSON.stringify(existing.job.Tasks) === JSON.stringify(submitted.Tasks)) {
      throw new JobConflictError(`job "${name}" already exists with the same spec; submit with Force to run it again`)
    }
    const id = existing?.job.ID ?? `j-${randomUUID()}`
    const record: JobRecord = existing ?? { job: { ...submitted, ID: id, CreateTime: now, ModifyTime: now }, executions: [], history: [] }
    record.job = {
      ...submitted,
      ID: id,
      Name: name ?? id,
      Namespace: submitted.Namespace ?? 'default',
      Count: submitted.Count ?? 1,
      Priority: submitted.Priority ?? 0,
      Meta: submitted.Meta ?? null,
      Labels: submitted.Labels ?? null,
      Constraints: submitted.Constraints ?? null,
      State: { StateType: 'Undefined' },
      Version: (existing?.job.Version ?? 0) + 1,
      Revision: (existing?.job.Revision ?? 0) + 1,
      CreateTime: existing?.job.CreateTime ?? now,
      ModifyTime: now
    }
    const evaluationId = randomUUID()
    const execution: Execution = {
      ID: `e-${randomUUID()}`,
      Namespace: record.job.Namespace ?? 'default',
      EvalID: evaluationId,
      Name: record.job.Name,
      NodeID: NODE_ID,
      JobID: id,
      JobVersion: record.job.Version,
      PartitionIndex: 0,
      AllocatedResources: { Tasks: null },
      DesiredState: { StateType: ExecutionDesiredState.Running, Message: 'execution is running' },
      ComputeState: { StateType: ExecutionState.New },
      PublishedResult: { Type: '', Params: null },
      RunOutput: null,
      Revision: 1,
      CreateTime: now,
      ModifyTime: now
    }
    record.executions.push(execution)
    this.setJobState(record, 'Pending', 'Job submitted')
    this.setExecutionState(record, execution, ExecutionState.New, 'Execution created')
    await this.options.store.save(record)
    const run = this.execute(record, execution).finally(() => this.inFlight.delete(run))
    this.inFlight.add(run)
    return { JobID: id, EvaluationID: evaluationId, Warnings: null }
  }

  async stop (idOrName: string, reason: string): Promise<string> {
    const record = this.options.store.find(idOrName)
    if (record === undefined) throw new NotFoundError(`job not found: ${idOrName}`)
    if (TERMINAL_JOB_STATES.has(record.job.State?.StateType ?? 'Undefined')) {
      throw new InvalidStateError(`job ${record.job.ID} is already in a terminal state (${record.job.State?.StateType})`)
    }
    const execution = record.executions.at(-1)
    if (execution !== undefined) {
      const active = this.running.get(execution.ID) ?? {}
      active.stopReason = reason
      this.running.set(execution.ID, active)
      await active.worker?.terminate()
      execution.DesiredState = { StateType: ExecutionDesiredState.Stopped, Message: reason }
      this.setExecutionState(record, execution, ExecutionState.Cancelled, reason)
    }
    this.setJobState(record, 'Stopped', reason)
    await this.options.store.save(record)
    return randomUUID()
  }

  /** Ends every running execution; they are recorded as failed by recover() on the next start. */
  async close (): Promise<void> {
    this.closing = true
    await Promise.all([...this.running.values()].map(async active => active.worker?.terminate()))
    await Promise.all(this.inFlight)
  }

  private setJobState (record: JobRecord, state: JobStateType, message: string): void {
    const previous = record.job.State?.StateType ?? 'Undefined'
    record.job.State = { StateType: state, Message: message }
    record.job.ModifyTime = nowNs()
    record.history.push({
      Type: 'JobLevel', JobID: record.job.ID, JobVersion: record.job.Version, SeqNum: record.history.length + 1,
      JobState: { Previous: previous, New: state }, Time: new Date().toISOString(), Event: { Message: message, Topic: 'Jobs' }
    })
  }

  private setExecutionState (record: JobRecord, execution: Execution, state: ExecutionStateType, message: string): void {
    const previous = execution.ComputeState.StateType
    execution.ComputeState = { StateType: state, Message: message }
    execution.ModifyTime = nowNs()
    execution.Revision++
    record.history.push({
      Type: 'ExecutionLevel', JobID: record.job.ID, JobVersion: record.job.Version, ExecutionID: execution.ID, SeqNum: record.history.length + 1,
      ExecutionState: { Previous: previous, New: state }, Time: new Date().toISOString(), Event: { Message: message, Topic: 'Executions' }
    })
  }

  private stopped (execution: Execution): boolean {
    return this.closing || this.running.get(execution.ID)?.stopReason !== undefined
  }

  private async execute (record: JobRecord, execution: Execution): Promise<void> {
    const task = record.job.Tasks[0]!
    const executionDir = join(this.options.dataDir, 'executions', execution.ID)
    const rootDir = join(executionDir, 'root')
    const resultDir = join(executionDir, 'result')
    this.running.set(execution.ID, {})
    try {
      this.setExecutionState(record, execution, ExecutionState.BidAccepted, 'Accepted by the local runner')
      this.setJobState(record, 'Running', 'Job is running')
      this.setExecutionState(record, execution, ExecutionState.Running, 'Preparing inputs and running')
      await this.options.store.save(record)

      await this.prepareInputs(task, rootDir)
      if (this.stopped(execution)) return
      for (const resultPath of task.ResultPaths ?? []) await mkdir(join(rootDir, resultPath.Path), { recursive: true })
      await mkdir(resultDir, { recursive: true })
      const outcome = await this.runWasm(task, execution, rootDir, resultDir)
      if (this.stopped(execution)) return

      const stdout = await readFile(join(resultDir, 'stdout'), 'utf8')
      const stderr = await readFile(join(resultDir, 'stderr'), 'utf8')
      const exitCode = 'exitCode' in outcome ? outcome.exitCode : 1
      await writeFile(join(resultDir, 'exitCode'), String(exitCode))
      for (const resultPath of task.ResultPaths ?? []) await cp(join(rootDir, resultPath.Path), join(resultDir, resultPath.Name), { recursive: true })
      const errorMessage = 'error' in outcome ? outcome.error : exitCode !== 0 ? `exit code ${exitCode}` : ''
      execution.RunOutput = {
        Stdout: stdout.slice(0, RUN_OUTPUT_LIMIT), StdoutTruncated: stdout.length > RUN_OUTPUT_LIMIT,
        stderr: stderr.slice(0, RUN_OUTPUT_LIMIT), StderrTruncated: stderr.length > RUN_OUTPUT_LIMIT,
        ExitCode: exitCode, ErrorMsg: errorMessage
      }
      if (errorMessage !== '') throw new Error(errorMessage)

      this.setExecutionState(record, execution, ExecutionState.Publishing, `Publishing results (${task.Publisher?.Type ?? 'local'})`)
      await this.options.store.save(record)
      execution.PublishedResult = await this.publish(task, execution, resultDir)
      this.setExecutionState(record, execution, ExecutionState.Completed, 'Execution completed')
      this.setJobState(record, 'Completed', 'Job completed')
    } catch (err) {
      if (this.stopped(execution)) return
      const message = (err as Error).message
      this.setExecutionState(record, execution, ExecutionState.Failed, message)
      this.setJobState(record, 'Failed', message)
    } finally {
      this.running.delete(execution.ID)
      if (!this.stopped(execution)) await this.options.store.save(record)
      await rm(rootDir, { recursive: true, force: true })
    }
  }

  private async prepareInputs (task: Task, rootDir: string): Promise<void> {
    for (const input of task.InputSources ?? []) {
      const target = join(rootDir, input.Target)
      await mkdir(dirname(target), { recursive: true })
      const source = input.Source
      if (source.Type === 'ipfs') {
        const signal = AbortSignal.timeout(this.options.inputTimeoutMs)
        await exportTo(this.options.ipfs, CID.parse(source.Params.CID), target, signal).catch((err: Error) => {
          throw new Error(`input ${source.Params.CID}: ${signal.aborted ? `not found on any connected IPFS peer within ${this.options.inputTimeoutMs} ms` : err.message}`)
        })
      } else if (source.Type === 'urlDownload' || source.Type === 'inline') {
        // fetch() reads data: URLs too, which is what inline sources are.
        const response = await fetch(source.Params.URL, { signal: AbortSignal.timeout(this.options.inputTimeoutMs) })
        if (!response.ok) throw new Error(`input ${source.Params.URL}: HTTP ${response.status}`)
        await writeFile(target, new Uint8Array(await response.arrayBuffer()))
      }
    }
  }

  private async runWasm (task: Task, execution: Execution, rootDir: string, resultDir: string): Promise<WasmOutcome> {
    if (task.Engine.Type !== 'wasm') throw new Error(`engine ${task.Engine.Type} is not supported`)
    const { EntryModule, Entrypoint, Parameters } = task.Engine.Params
    const timeoutSeconds = task.Timeouts?.ExecutionTimeout ?? this.options.defaultTimeoutSeconds
    const run: WasmRun = {
      modulePath: join(rootDir, EntryModule),
      entrypoint: Entrypoint ?? '_start',
      args: [EntryModule, ...(Parameters ?? [])],
      env: task.Env ?? {},
      rootDir,
      stdoutPath: join(resultDir, 'stdout'),
      stderrPath: join(resultDir, 'stderr')
    }
    // node:wasi is still marked experimental; say so once in the README instead of on every job.
    const worker = new Worker(new URL('./wasm-worker.ts', import.meta.url), { workerData: run, execArgv: ['--disable-warning=ExperimentalWarning'] })
    this.running.set(execution.ID, { ...this.running.get(execution.ID), worker })
    const { promise, resolve, reject } = Promise.withResolvers<WasmOutcome>()
    const timer = timeoutSeconds > 0
      ? setTimeout(() => { void worker.terminate(); reject(new Error(`execution timed out after ${timeoutSeconds} s`)) }, timeoutSeconds * 1000)
      : undefined
    worker.once('message', (outcome: WasmOutcome) => resolve(outcome))
    worker.once('error', err => resolve({ error: err.message }))
    worker.once('exit', code => resolve({ error: this.stopped(execution) ? 'stopped' : `the WASM worker exited with code ${code}` }))
    try {
      return await promise
    } finally {
      clearTimeout(timer)
    }
  }

  private async publish (task: Task, execution: Execution, resultDir: string): Promise<PublishedResult> {
    if (task.Publisher?.Type === 'ipfs') {
      const cid = await addDirectory(this.options.ipfs, resultDir)
      // the same output published twice has the same CID, and is pinned already
      if (!(await this.options.ipfs.pins.isPinned(cid))) for await (const _block of this.options.ipfs.pins.add(cid)) { /* pinned block by block */ }
      return { Type: 'ipfs', Params: { CID: cid.toString() } }
    }
    const archive = join(this.options.dataDir, 'results', `${execution.ID}.tar.gz`)
    await mkdir(dirname(archive), { recursive: true })
    await createTar({ gzip: true, cwd: resultDir, file: archive }, ['.'])
    return { Type: 'urlDownload', Params: { URL: `${this.options.publicUrl()}/results/${execution.ID}.tar.gz` } }
  }
}
