// The local runner's orchestrator and compute node in one, behaving as real Bacalhau v1.9.3 does on a single
// hybrid node (proved side by side by the interop suite): the same states, messages, history events and
// retry. A job is Pending, then Running once an execution is requested; an execution that fails is retried
// once on the same node, and when that fails too the job fails with the scheduler's "not enough nodes".
// A non-zero exit code is not a failure: the execution completes and its results are published.
import { randomBytes, randomUUID } from 'node:crypto'
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { CID } from 'multiformats/cid'
import { create as createTar } from 'tar'
import {
  ExecutionDesiredState, ExecutionState, TERMINAL_JOB_STATES, type Execution, type ExecutionStateType, type Job,
  type JobStateType, type PublishedResult, type PutJobResponse, type Task
} from '../client/types.ts'
import { addDirectory, exportTo, type IpfsNode } from '../ipfs.ts'
import { checkInputUrl, downloadInput, pathInside, refuseSymlinksIn, type UrlInputPolicy } from './containment.ts'
import { submissionWarnings, validateJob } from './validate.ts'
import type { JobRecord, JobStore } from './store.ts'
import type { WasmOutcome, WasmRun } from './wasm-worker.ts'

export const NODE_ID = 'liftoff-local-runner'
const RUN_OUTPUT_LIMIT = 2048
/** Bacalhau runs a failed execution once more on the same node before it gives up on a one-node network. */
const ATTEMPTS = 2
/** A WASM worker's JavaScript heap and stack (WASI's bookkeeping needs little; the module's memory is apart). */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 }

/** The details of a scheduling failure on this one node. */
const NO_SUITABLE_NODE = { IsError: 'true', NodesAvailable: '1', NodesRequested: '1', NodesSuitable: '0' }

/** What Bacalhau v1.9.3 records, word for word. */
const NOT_ENOUGH_NODES = `not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n• Node ${NODE_ID}: `
export const BACALHAU_MESSAGES = {
  submitted: 'Job submitted',
  requested: `Requested execution on ${NODE_ID}`,
  running: 'Running',
  completed: 'Completed successfully',
  stopRequested: 'Job requested to stop before completion',
  executionStopped: 'Execution stop requested because job has been stopped',
  retriedEnough: `${NOT_ENOUGH_NODES}job already executed on this node more than once`,
  unsupportedEngine: (engine: string) => `${NOT_ENOUGH_NODES}does not support ${engine}, only wasm`,
  timedOut: (seconds: number) => `Execution timed out after ${seconds}s`,
  noModule: (path: string) => `failed to load entry module ${path}: module not found: "${path}"`
}

function nowNs (): bigint {
  return BigInt(Date.now()) * 1_000_000n
}

export interface RunnerOptions {
  store: JobStore
  ipfs: IpfsNode
  dataDir: string
  /** Where clients reach this runner (known once it listens); local results are published under it. */
  publicUrl: () => string
  /** For tasks without Timeouts.ExecutionTimeout (or with 0). */
  defaultTimeoutSeconds: number
  /** The longest ExecutionTimeout a job may ask for; more is refused at submission. */
  maxTimeoutSeconds: number
  /** How long an ipfs input may take to fetch. */
  inputTimeoutMs: number
  /** Where urlDownload inputs may come from, and how big a URL or inline input may be. */
  urlInputs: UrlInputPolicy
  /** The most memory one WASM module may have (its linear memory), in MiB. */
  wasmMaxMemoryMiB: number
  /** Executions that run at once; the others wait (BidAccepted) in submission order. */
  maxConcurrentExecutions: number
}

/**
 * At most `limit` holders at once; the others wait in order. Bacalhau's compute node does the same with the
 * executions it accepted beyond its capacity, and without it 500 jobs at once started 500 WASM workers
 * (2.4 GB, and the API starved until its clients gave up).
 */
class Slots {
  private free: number
  private readonly waiting: Array<() => void> = []

  constructor (limit: number) {
    this.free = limit
  }

  async acquire (): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>(resolve => this.waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.free++
    }
  }
}

/** This runner's server instance, as Bacalhau records it in every job's Meta: a new one on each start. */
const SERVER_INSTANCE_ID = randomBytes(32).toString('hex')
/** What Bacalhau's orchestrator gives a task that asks for no resources (its JobDefaults). */
const DEFAULT_TASK_RESOURCES = { CPU: '500m', Memory: '512mb' }

/** Drops what Go's encoding/json leaves out of an `omitempty` field: nil, empty maps and slices, zero numbers. */
function withoutEmpty<T extends object> (value: T): T {
  const isEmpty = (item: unknown): boolean => item === undefined || item === null || item === 0 || item === '' ||
    (Array.isArray(item) && item.length === 0) ||
    (typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 0)
  return Object.fromEntries(Object.entries(value).filter(([, item]) => !isEmpty(item))) as T
}

/**
 * A submitted job as Bacalhau stores and answers it: empty Constraints and Labels rather than null, the
 * orchestrator's Meta, and each task normalized (omitempty fields left out, default resources, the default
 * network, every input source with an Alias).
 */
function normalizeJob (submitted: Job): Job {
  return {
    ...submitted,
    Namespace: submitted.Namespace === undefined || submitted.Namespace === '' ? 'default' : submitted.Namespace,
    Priority: submitted.Priority ?? 0,
    Count: submitted.Count ?? 1,
    Constraints: submitted.Constraints ?? [],
    Meta: {
      ...submitted.Meta,
      'bacalhau.org/orchestrator.id': NODE_ID,
      'bacalhau.org/requester.id': NODE_ID,
      'bacalhau.org/server.instance.id': SERVER_INSTANCE_ID
    },
    Labels: submitted.Labels ?? {},
    Tasks: submitted.Tasks.map(task => withoutEmpty({
      ...task,
      Publisher: withoutEmpty({ Type: task.Publisher?.Type ?? '', Params: task.Publisher?.Params }) as
        Task['Publisher'],
      Env: task.Env,
      Meta: task.Meta,
      InputSources: task.InputSources?.map(input =>
        ({ Source: input.Source, Alias: input.Alias ?? '', Target: input.Target })),
      ResultPaths: task.ResultPaths,
      Resources: { ...DEFAULT_TASK_RESOURCES, ...withoutEmpty(task.Resources ?? {}) },
      Network: withoutEmpty({ Type: task.Network?.Type ?? 'Default', Domains: task.Network?.Domains }) as
        Task['Network'],
      Timeouts: withoutEmpty(task.Timeouts ?? {})
    }))
  }
}

export class JobConflictError extends Error {}
export class NotFoundError extends Error {}

type Topic = 'Submission' | 'Scheduling' | 'State Update' | 'Execution' | 'Running Execution'

export class Runner {
  private readonly options: RunnerOptions
  private readonly running = new Map<string, { worker?: Worker, stopReason?: string }>()
  private readonly inFlight = new Set<Promise<void>>()
  private closing = false
  private readonly slots: Slots

  constructor (options: RunnerOptions) {
    this.options = options
    this.slots = new Slots(options.maxConcurrentExecutions)
  }

  /** Marks executions that were running when the runner stopped as failed. */
  async recover (): Promise<void> {
    for (const record of this.options.store.list()) {
      if (TERMINAL_JOB_STATES.has(record.job.State?.StateType ?? 'Undefined')) continue
      const execution = record.executions.at(-1)
      if (execution !== undefined) {
        this.failExecution(record, execution, 'the runner restarted while this execution was running')
      }
      this.setJobState(record, 'Failed', 'the runner restarted while this job was running', 'Scheduling')
      await this.options.store.save(record)
    }
  }

  async submit (submitted: unknown, force: boolean): Promise<PutJobResponse> {
    validateJob(submitted, { maxTimeoutSeconds: this.options.maxTimeoutSeconds })
    const warnings = submissionWarnings(submitted)
    const now = nowNs()
    const name = submitted.Name === undefined || submitted.Name === '' ? undefined : submitted.Name
    const existing = name === undefined ? undefined : this.options.store.find(name)
    const sameTasks = JSON.stringify(existing?.job.Tasks) === JSON.stringify(normalizeJob(submitted).Tasks)
    if (existing !== undefined && !force && sameTasks) {
      throw new JobConflictError(`job "${name}" already exists with the same spec; submit with Force to run it again`)
    }
    const id = existing?.job.ID ?? `j-${randomUUID()}`
    const record: JobRecord = existing ??
      { job: { ...submitted, ID: id, CreateTime: now, ModifyTime: now }, executions: [], history: [] }
    record.job = {
      ...normalizeJob(submitted),
      ID: id,
      Name: name ?? id,
      State: { StateType: 'Pending' },
      Version: (existing?.job.Version ?? 0) + 1,
      Revision: (existing?.job.Revision ?? 0) + 1,
      CreateTime: existing?.job.CreateTime ?? now,
      ModifyTime: now
    }
    this.addHistory(record, 'Submission', BACALHAU_MESSAGES.submitted)
    const evaluationId = randomUUID()
    const engine = record.job.Tasks[0]!.Engine.Type
    const unschedulable = engine !== 'wasm'
      ? BACALHAU_MESSAGES.unsupportedEngine(engine)
      : record.job.Type !== 'batch'
        ? `the local runner runs batch jobs only, not ${record.job.Type} (real Bacalhau runs them)`
        : undefined
    if (unschedulable !== undefined) {
      this.setJobState(record, 'Failed', unschedulable, 'Scheduling', NO_SUITABLE_NODE, unschedulable)
    }
    await this.options.store.save(record)
    if (unschedulable === undefined) {
      const run = this.schedule(record, evaluationId).finally(() => this.inFlight.delete(run))
      this.inFlight.add(run)
    }
    return { JobID: id, EvaluationID: evaluationId, Warnings: warnings.length > 0 ? warnings : null }
  }

  /** Stops a job; a job that has ended already is left as it is (Bacalhau answers an empty evaluation ID). */
  async stop (idOrName: string, reason: string): Promise<string> {
    const record = this.options.store.find(idOrName)
    if (record === undefined) throw new NotFoundError(`job not found: ${idOrName}`)
    if (TERMINAL_JOB_STATES.has(record.job.State?.StateType ?? 'Undefined')) return ''
    const message = reason === '' ? undefined : reason
    this.setJobState(record, 'Stopped', message, 'Scheduling', { Reason: reason }, BACALHAU_MESSAGES.stopRequested)
    const execution = record.executions.at(-1)
    if (execution !== undefined && execution.ComputeState.StateType !== ExecutionState.Failed) {
      const active = this.running.get(execution.ID) ?? {}
      active.stopReason = reason
      this.running.set(execution.ID, active)
      await active.worker?.terminate()
      execution.DesiredState = { StateType: ExecutionDesiredState.Stopped, Message: BACALHAU_MESSAGES.executionStopped }
      this.setExecutionState(record, execution, ExecutionState.Cancelled, BACALHAU_MESSAGES.executionStopped)
      this.addHistory(record, 'Scheduling', BACALHAU_MESSAGES.executionStopped, execution.ID)
    }
    await this.options.store.save(record)
    return randomUUID()
  }

  /** Ends every running execution; they are recorded as failed by recover() on the next start. */
  async close (): Promise<void> {
    this.closing = true
    await Promise.all([...this.running.values()].map(async active => active.worker?.terminate()))
    await Promise.all(this.inFlight)
  }

  private addHistory (
    record: JobRecord, topic: Topic, message: string, executionId?: string, details?: Record<string, string>
  ): void {
    const time = new Date().toISOString()
    record.history.push({
      SeqNum: record.history.length + 1,
      Type: executionId === undefined ? 'JobLevel' : 'ExecutionLevel',
      JobID: record.job.ID,
      JobVersion: record.job.Version,
      ...(executionId === undefined ? {} : { ExecutionID: executionId }),
      Event: {
        Message: message, Topic: topic, Timestamp: time, ...(details === undefined ? {} : { Details: details })
      },
      Time: time
    })
  }

  /** Job states carry a message only when they fail; Running and Completed are recorded as "State Update"s. */
  private setJobState (
    record: JobRecord, state: JobStateType, message: string | undefined, topic: Topic = 'State Update',
    details: Record<string, string> = { NewState: state }, event = message ?? state
  ): void {
    record.job.State = message === undefined ? { StateType: state } : { StateType: state, Message: message }
    record.job.ModifyTime = nowNs()
    record.job.Revision = (record.job.Revision ?? 0) + 1
    this.addHistory(record, topic, event, undefined, details)
  }

  /** The compute state keeps the last message it was given unless a new one comes with it, as Bacalhau's does. */
  private setExecutionState (
    record: JobRecord, execution: Execution, state: ExecutionStateType, message?: string
  ): void {
    execution.ComputeState = { StateType: state, Message: message ?? execution.ComputeState.Message ?? '' }
    execution.ModifyTime = nowNs()
    execution.Revision++
    record.job.ModifyTime = execution.ModifyTime
  }

  private failExecution (record: JobRecord, execution: Execution, message: string): void {
    execution.DesiredState = { StateType: ExecutionDesiredState.Stopped, Message: 'execution failed' }
    execution.PublishedResult = { Type: '' }
    this.setExecutionState(record, execution, ExecutionState.Failed, message)
    this.addHistory(record, 'Running Execution', message, execution.ID, { IsError: 'true' })
  }

  private stopped (execution: Execution): boolean {
    return this.closing || this.running.get(execution.ID)?.stopReason !== undefined
  }

  private jobStopped (record: JobRecord): boolean {
    return this.closing || record.job.State?.StateType === 'Stopped'
  }

  /** Up to ATTEMPTS executions on this node; the first that completes ends the job Completed. */
  private async schedule (record: JobRecord, evaluationId: string): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (this.jobStopped(record)) return
      const now = nowNs()
      const execution: Execution = {
        ID: `e-${randomUUID()}`,
        Namespace: record.job.Namespace ?? 'default',
        EvalID: evaluationId,
        Name: '',
        NodeID: NODE_ID,
        JobID: record.job.ID,
        Job: structuredClone(record.job), // the job as it was when this execution was created
        JobVersion: record.job.Version,
        AllocatedResources: { Tasks: {} },
        DesiredState: { StateType: ExecutionDesiredState.Running, Message: '' },
        ComputeState: { StateType: ExecutionState.New, Message: '' },
        PublishedResult: { Type: '' },
        RunOutput: {
          Stdout: '', StdoutTruncated: false, stderr: '', StderrTruncated: false, ExitCode: 0, ErrorMsg: ''
        },
        PreviousExecution: '',
        NextExecution: '',
        FollowupEvalID: '',
        Revision: 1,
        CreateTime: now,
        ModifyTime: now
      }
      record.executions.push(execution)
      this.addHistory(record, 'Scheduling', BACALHAU_MESSAGES.requested, execution.ID, { NodeID: NODE_ID })
      if (attempt === 1) this.setJobState(record, 'Running', undefined)
      this.setExecutionState(record, execution, ExecutionState.BidAccepted)
      await this.options.store.save(record)
      const release = await this.slots.acquire()
      let error: string | undefined
      try {
        if (this.jobStopped(record)) return
        this.setExecutionState(record, execution, ExecutionState.Running, BACALHAU_MESSAGES.running)
        this.addHistory(record, 'Execution', BACALHAU_MESSAGES.running, execution.ID)
        await this.options.store.save(record)
        error = await this.execute(record, execution)
      } finally {
        release()
      }
      if (this.jobStopped(record)) return
      if (error === undefined) {
        this.addHistory(record, 'Execution', BACALHAU_MESSAGES.completed, execution.ID)
        this.setJobState(record, 'Completed', undefined)
        await this.options.store.save(record)
        return
      }
      this.failExecution(record, execution, error)
      await this.options.store.save(record)
    }
    const message = BACALHAU_MESSAGES.retriedEnough
    this.setJobState(record, 'Failed', message, 'Scheduling', NO_SUITABLE_NODE, message)
    await this.options.store.save(record)
  }

  /** Runs one execution to its end; resolves with the error that failed it, if one did. */
  private async execute (record: JobRecord, execution: Execution): Promise<string | undefined> {
    const task = record.job.Tasks[0]!
    const executionDir = join(this.options.dataDir, 'executions', execution.ID)
    const rootDir = join(executionDir, 'root')
    const resultDir = join(executionDir, 'result')
    this.running.set(execution.ID, {})
    try {
      await this.prepareInputs(task, rootDir)
      if (this.stopped(execution)) return undefined
      for (const resultPath of task.ResultPaths ?? []) {
        await mkdir(await pathInside(rootDir, resultPath.Path, 'ResultPath'), { recursive: true })
      }
      await mkdir(resultDir, { recursive: true })
      const outcome = await this.runWasm(record.job, task, execution, rootDir, resultDir)
      if (this.stopped(execution)) return undefined
      if ('error' in outcome) return outcome.error

      const stdout = await readFile(join(resultDir, 'stdout'), 'utf8')
      const stderr = await readFile(join(resultDir, 'stderr'), 'utf8')
      await writeFile(join(resultDir, 'exitCode'), String(outcome.exitCode))
      for (const resultPath of task.ResultPaths ?? []) {
        // checked again after the run: the module may have put a symlink where the directory was, or in it
        const source = await pathInside(rootDir, resultPath.Path, 'ResultPath')
        await refuseSymlinksIn(source, resultPath.Path, 'ResultPath')
        await cp(source, await pathInside(resultDir, resultPath.Name, 'ResultPath Name'), { recursive: true })
      }
      // Bacalhau's RunOutput holds the program's first write to each stream (the published files hold all)
      const firstWrite = (text: string, bytes: number): string =>
        Buffer.from(text).subarray(0, Math.max(bytes, 0)).toString('utf8')
      const returnedStdout = firstWrite(stdout, outcome.firstWrites.stdout)
      const returnedStderr = firstWrite(stderr, outcome.firstWrites.stderr)
      execution.RunOutput = {
        Stdout: returnedStdout.slice(0, RUN_OUTPUT_LIMIT),
        StdoutTruncated: returnedStdout.length > RUN_OUTPUT_LIMIT,
        stderr: returnedStderr.slice(0, RUN_OUTPUT_LIMIT),
        StderrTruncated: returnedStderr.length > RUN_OUTPUT_LIMIT,
        ExitCode: outcome.exitCode,
        ErrorMsg: ''
      }
      execution.PublishedResult = await this.publish(task, execution, resultDir)
      execution.DesiredState = { StateType: ExecutionDesiredState.Stopped, Message: 'execution completed' }
      this.setExecutionState(record, execution, ExecutionState.Completed)
      return undefined
    } catch (err) {
      return this.stopped(execution) ? undefined : (err as Error).message
    } finally {
      this.running.delete(execution.ID)
      await rm(rootDir, { recursive: true, force: true })
    }
  }

  private async prepareInputs (task: Task, rootDir: string): Promise<void> {
    for (const input of task.InputSources ?? []) {
      const target = await pathInside(rootDir, input.Target, 'input Target')
      await mkdir(dirname(target), { recursive: true })
      const source = input.Source
      if (source.Type === 'ipfs') {
        const signal = AbortSignal.timeout(this.options.inputTimeoutMs)
        await exportTo(this.options.ipfs, CID.parse(source.Params.CID), target, signal).catch((err: Error) => {
          const why = signal.aborted
            ? `not found on any connected IPFS peer within ${this.options.inputTimeoutMs} ms`
            : err.message
          throw new Error(`input ${source.Params.CID}: ${why}`)
        })
      } else if (source.Type === 'urlDownload' || source.Type === 'inline') {
        // fetch() reads data: URLs too, which is what inline sources are.
        const policy = this.options.urlInputs
        await downloadInput(checkInputUrl(source.Type, source.Params.URL, policy), target, policy)
      }
    }
  }

  private async runWasm (
    job: Job & { ID: string }, task: Task, execution: Execution, rootDir: string, resultDir: string
  ): Promise<WasmOutcome> {
    if (task.Engine.Type !== 'wasm') throw new Error(`engine ${task.Engine.Type} is not supported`)
    const { EntryModule, Entrypoint, Parameters } = task.Engine.Params
    const modulePath = await pathInside(rootDir, EntryModule, 'EntryModule')
    const isFile = await stat(modulePath).then(info => info.isFile(), () => false)
    if (!isFile) throw new Error(BACALHAU_MESSAGES.noModule(EntryModule))
    // 0 or none: the runner's default (validateJob refused a negative one and one over the maximum)
    const asked = task.Timeouts?.ExecutionTimeout
    const timeoutSeconds = asked === undefined || asked === 0 ? this.options.defaultTimeoutSeconds : asked
    const run: WasmRun = {
      modulePath,
      entryModule: EntryModule,
      entrypoint: Entrypoint ?? '_start',
      args: ['', ...(Parameters ?? [])], // Bacalhau's program name is empty
      // the variables Bacalhau gives every execution, then the task's own
      env: {
        BACALHAU_EXECUTION_ID: execution.ID,
        BACALHAU_JOB_ID: job.ID,
        BACALHAU_JOB_TYPE: job.Type,
        BACALHAU_PARTITION_COUNT: String(job.Count ?? 1),
        BACALHAU_PARTITION_INDEX: String(execution.PartitionIndex ?? 0),
        ...task.Env
      },
      rootDir,
      stdoutPath: join(resultDir, 'stdout'),
      stderrPath: join(resultDir, 'stderr'),
      maxMemoryPages: this.options.wasmMaxMemoryMiB * 16 // 64 KiB pages
    }
    // node:wasi is still marked experimental; say so once in the README instead of on every job.
    // The worker's own JavaScript heap is bounded here; the module's linear memory by maxMemoryPages.
    const worker = new Worker(new URL('./wasm-worker.ts', import.meta.url), {
      workerData: run, execArgv: ['--disable-warning=ExperimentalWarning'], resourceLimits: WORKER_LIMITS
    })
    this.running.set(execution.ID, { ...this.running.get(execution.ID), worker })
    const { promise, resolve } = Promise.withResolvers<WasmOutcome>()
    const timer = setTimeout(() => {
      worker.terminate().catch(() => {}) // it may have ended on its own meanwhile
      resolve({ error: BACALHAU_MESSAGES.timedOut(timeoutSeconds) })
    }, timeoutSeconds * 1000)
    worker.once('message', (outcome: WasmOutcome) => resolve(outcome))
    worker.once('error', err => resolve({ error: err.message }))
    worker.once('exit', code => {
      resolve({ error: this.stopped(execution) ? 'stopped' : `the WASM worker exited with code ${code}` })
    })
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
      if (!(await this.options.ipfs.pins.isPinned(cid))) {
        const pinning = this.options.ipfs.pins.add(cid) // yields each block as it is pinned
        for (let step = await pinning.next(); step.done !== true; step = await pinning.next());
      }
      return { Type: 'ipfs', Params: { CID: cid.toString() } }
    }
    const archive = join(this.options.dataDir, 'results', `${execution.ID}.tar.gz`)
    await mkdir(dirname(archive), { recursive: true })
    await createTar({ gzip: true, cwd: resultDir, file: archive }, ['.'])
    return { Type: 'urlDownload', Params: { URL: `${this.options.publicUrl()}/results/${execution.ID}.tar.gz` } }
  }
}
