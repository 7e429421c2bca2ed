// A typed client for Bacalhau's REST API (v1.9.3) over fetch, plus its logs WebSocket.
import WebSocket from 'ws'
import { BacalhauError } from './errors.ts'
import { parseJson, stringifyJson } from './json.ts'
import {
  TERMINAL_JOB_STATES,
  type ApiErrorBody, type BuildVersionInfo, type Execution, type ExecutionLogFrame, type GetJobResponse, type Job,
  type JobHistory, type JobStateType, type ListNodesResponse, type ListResponse, type NodeInfo, type PublishedResult,
  type PutJobResponse, type StopJobResponse
} from './types.ts'

export type Auth = { basic: { username: string, password: string } } | { bearer: string }

/** The Authorization header Bacalhau takes: `Bearer <API key>` (API.Auth.Users APIKey, runner's API_TOKEN) or Basic. */
export function authorizationHeader (auth: Auth): string {
  if ('bearer' in auth) return `Bearer ${auth.bearer}`
  return `Basic ${Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64')}`
}

export interface BacalhauClientOptions {
  /** e.g. http://127.0.0.1:1234 (the /api/v1 prefix is added). */
  baseUrl: string
  auth?: Auth
  /** Per request; default 30 s. */
  timeoutMs?: number
}

export interface ListJobsOptions {
  namespace?: string
  limit?: number
  nextToken?: string
  orderBy?: string
  reverse?: boolean
  /** Label selector, e.g. "app=liftoff". */
  labels?: string
}

export interface LogLine {
  stream: 'stdout' | 'stderr'
  line: string
}

export interface WaitOptions {
  signal?: AbortSignal
  pollIntervalMs?: number
  /** Called with the job each time its state or one of its executions' states changes. */
  onStateChange?: (job: GetJobResponse) => void
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  signal?: AbortSignal
}

const jobPath = (id: string): string => `/orchestrator/jobs/${encodeURIComponent(id)}`

export class BacalhauClient {
  private readonly apiUrl: string
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number

  constructor (options: BacalhauClientOptions) {
    this.apiUrl = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.headers = { Accept: 'application/json' }
    if (options.auth !== undefined) this.headers.Authorization = authorizationHeader(options.auth)
  }

  private async request<T> (method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.apiUrl}${path}`)
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
    const response = await fetch(url, {
      method,
      signal,
      headers: options.body === undefined ? this.headers : { ...this.headers, 'Content-Type': 'application/json' },
      body: options.body === undefined ? undefined : stringifyJson(options.body)
    })
    const text = await response.text()
    if (!response.ok) {
      let body: ApiErrorBody
      try {
        body = parseJson(text) as ApiErrorBody
        if (typeof body.Message !== 'string') throw new Error('not an error body')
      } catch {
        body = { Status: response.status, Message: text.trim() || response.statusText }
      }
      throw new BacalhauError(response.status, body)
    }
    return parseJson(text) as T
  }

  alive (): Promise<{ Status: string }> { return this.request('GET', '/agent/alive') }
  version (): Promise<BuildVersionInfo> { return this.request('GET', '/agent/version') }
  node (): Promise<NodeInfo> { return this.request('GET', '/agent/node') }
  nodes (): Promise<ListNodesResponse> { return this.request('GET', '/orchestrator/nodes') }

  submitJob (job: Job, options: { force?: boolean } = {}): Promise<PutJobResponse> {
    return this.request('PUT', '/orchestrator/jobs', { body: { Job: job, Force: options.force ?? false } })
  }

  getJob (
    idOrName: string, options: { history?: boolean, executions?: boolean, signal?: AbortSignal } = {}
  ): Promise<GetJobResponse> {
    const include = [options.history === true ? 'history' : '', options.executions === true ? 'executions' : '']
      .filter(Boolean).join(',')
    return this.request('GET', jobPath(idOrName), { query: { include: include || undefined }, signal: options.signal })
  }

  listJobs (options: ListJobsOptions = {}): Promise<ListResponse<Job>> {
    return this.request('GET', '/orchestrator/jobs', {
      query: {
        namespace: options.namespace,
        limit: options.limit,
        next_token: options.nextToken,
        order_by: options.orderBy,
        reverse: options.reverse,
        labels: options.labels
      }
    })
  }

  /** Every job, page by page. */
  async * jobs (options: Omit<ListJobsOptions, 'nextToken'> = {}): AsyncGenerator<Job> {
    let nextToken: string | undefined
    do {
      const page = await this.listJobs({ ...options, nextToken })
      yield * page.Items ?? []
      nextToken = page.NextToken === '' ? undefined : page.NextToken
    } while (nextToken !== undefined)
  }

  executions (id: string): Promise<ListResponse<Execution>> { return this.request('GET', `${jobPath(id)}/executions`) }
  history (id: string): Promise<ListResponse<JobHistory>> { return this.request('GET', `${jobPath(id)}/history`) }
  results (id: string): Promise<ListResponse<PublishedResult>> { return this.request('GET', `${jobPath(id)}/results`) }

  stopJob (id: string, reason = 'stopped by ipfs-liftoff'): Promise<StopJobResponse> {
    return this.request('DELETE', jobPath(id), { query: { reason }, body: { reason } })
  }

  /** The job's log lines over Bacalhau's WebSocket endpoint; with `follow`, until the job ends. */
  async * logs (
    id: string, options: { follow?: boolean, executionId?: string, signal?: AbortSignal } = {}
  ): AsyncGenerator<LogLine> {
    const url = new URL(`${this.apiUrl.replace(/^http/, 'ws')}${jobPath(id)}/logs`)
    if (options.follow === true) url.searchParams.set('follow', 'true')
    if (options.executionId !== undefined) url.searchParams.set('execution_id', options.executionId)
    const socket = new WebSocket(url, { headers: this.headers })
    const frames: Array<ExecutionLogFrame | Error | null> = []
    let wake: (() => void) | undefined
    const push = (item: ExecutionLogFrame | Error | null): void => { frames.push(item); wake?.() }
    socket.on('message', data => push(parseJson(String(data)) as ExecutionLogFrame))
    socket.on('error', err => push(err))
    socket.on('close', () => push(null))
    const onAbort = (): void => socket.close()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      while (true) {
        if (frames.length === 0) await new Promise<void>(resolve => { wake = resolve })
        const frame = frames.shift()
        if (frame === undefined) continue
        if (frame === null) return
        if (frame instanceof Error) throw new Error(`logs of ${id}: ${frame.message}`)
        if (frame.error !== undefined && frame.error !== '') throw new Error(`logs of ${id}: ${frame.error}`)
        if (frame.value != null) yield { stream: frame.value.Type === 2 ? 'stderr' : 'stdout', line: frame.value.Line }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      socket.close()
    }
  }

  /** Polls the job until it reaches Completed, Failed or Stopped; resolves with it, with executions. */
  async waitForJob (id: string, options: WaitOptions = {}): Promise<GetJobResponse> {
    let seen = ''
    while (true) {
      options.signal?.throwIfAborted()
      const job = await this.getJob(id, { executions: true, signal: options.signal })
      const state: JobStateType = job.Job.State?.StateType ?? 'Undefined'
      const executions = (job.Executions?.Items ?? [])
        .map(execution => `${execution.ID}:${execution.ComputeState.StateType}`)
      const fingerprint = [state, ...executions].join('|')
      if (fingerprint !== seen) {
        seen = fingerprint
        options.onStateChange?.(job)
      }
      if (TERMINAL_JOB_STATES.has(state)) return job
      await new Promise(resolve => setTimeout(resolve, options.pollIntervalMs ?? 250))
    }
  }
}
