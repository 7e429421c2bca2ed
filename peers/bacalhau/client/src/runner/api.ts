// Bacalhau's REST API (v1.9.3, under /api/v1) over node:http, answered by the local runner, with the wire
// format WIRE-NOTES.md describes; the logs endpoint is a WebSocket. Also serves the local publisher's
// archives under /results/.
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { parseJson, stringifyJson } from '../client/json.ts'
import { TERMINAL_JOB_STATES, type ApiErrorBody, type BuildVersionInfo, type NodeInfo, type PublishedResult } from '../client/types.ts'
import { InvalidStateError, JobConflictError, NODE_ID, NotFoundError, type Runner } from './runner.ts'
import { SUPPORTED_PUBLISHERS, SUPPORTED_SOURCES, ValidationError } from './validate.ts'
import type { JobRecord, JobStore } from './store.ts'

export const VERSION: BuildVersionInfo = {
  Major: '1',
  Minor: '9',
  GitVersion: 'v1.9.3-liftoff-local-runner',
  GitCommit: 'NOT BACALHAU: the ipfs-liftoff local development runner, which speaks the Bacalhau v1.9.3 API',
  BuildDate: '2026-11-24T00:00:00Z',
  GOOS: process.platform,
  GOARCH: process.arch
}

const NODE_INFO: NodeInfo = {
  NodeID: NODE_ID,
  NodeType: 'Requester',
  Labels: { 'ipfs-liftoff': 'local-runner', note: 'a local development runner, not Bacalhau' },
  BacalhauVersion: VERSION,
  ComputeNodeInfo: { ExecutionEngines: ['wasm'], Publishers: [...SUPPORTED_PUBLISHERS], StorageSources: [...SUPPORTED_SOURCES], RunningExecutions: 0, EnqueuedExecutions: 0 }
}

class HttpError extends Error {
  readonly status: number
  readonly code: string
  constructor (status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

function send (response: ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body)
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text)
}

function sendError (response: ServerResponse, error: HttpError): void {
  const body: ApiErrorBody = { Status: error.status, Message: error.message, RequestID: randomUUID(), Code: error.code, Component: 'APIServer', Hint: '', Details: null }
  send(response, error.status, body)
}

async function readBody (request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return parseJson(text)
  } catch (err) {
    throw new HttpError(400, 'BadRequest', `invalid JSON body: ${(err as Error).message}`)
  }
}

function page<T> (items: T[], url: URL): { Items: T[], NextToken: string } {
  const offset = Number(url.searchParams.get('next_token') ?? '0') || 0
  const limit = Number(url.searchParams.get('limit') ?? '0') || items.length
  const slice = items.slice(offset, offset + limit)
  return { Items: slice, NextToken: offset + limit < items.length ? String(offset + limit) : '' }
}

export interface ApiOptions {
  runner: Runner
  store: JobStore
  dataDir: string
}

export function createApiServer ({ runner, store, dataDir }: ApiOptions): Server {
  const findJob = (id: string): JobRecord => {
    const record = store.find(decodeURIComponent(id))
    if (record === undefined) throw new HttpError(404, 'NotFound', `job not found: ${decodeURIComponent(id)}`)
    return record
  }

  const routes: Array<[string, RegExp, (match: RegExpExecArray, url: URL, request: IncomingMessage) => Promise<unknown> | unknown]> = [
    ['GET', /^\/api\/v1\/agent\/alive$/, () => ({ Status: 'OK' })],
    ['GET', /^\/api\/v1\/agent\/version$/, () => VERSION],
    ['GET', /^\/api\/v1\/agent\/node$/, () => NODE_INFO],
    ['GET', /^\/api\/v1\/orchestrator\/nodes$/, () => ({ Nodes: [{ Info: NODE_INFO, Membership: 'APPROVED', Connection: 'CONNECTED' }], NextToken: '' })],
    ['PUT', /^\/api\/v1\/orchestrator\/jobs$/, async (_match, _url, request) => {
      const body = await readBody(request) as { Job?: unknown, Force?: boolean }
      return runner.submit(body.Job, body.Force === true)
    }],
    ['GET', /^\/api\/v1\/orchestrator\/jobs$/, (_match, url) => {
      let records = store.list()
      const namespace = url.searchParams.get('namespace')
      if (namespace !== null && namespace !== '' && namespace !== '*') records = records.filter(record => record.job.Namespace === namespace)
      if (url.searchParams.get('reverse') !== 'true') records = records.reverse() // newest first, as Bacalhau lists them
      return page(records.map(record => record.job), url)
    }],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)$/, (match, url) => {
      const record = findJob(match[1]!)
      const include = (url.searchParams.get('include') ?? '').split(',')
      return {
        Job: record.job,
        History: include.includes('history') ? { Items: record.history, NextToken: '' } : null,
        Executions: include.includes('executions') ? { Items: record.executions, NextToken: '' } : null
      }
    }],
    ['DELETE', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)$/, async (match, url, request) => {
      const body = await readBody(request) as { reason?: string }
      const reason = body.reason ?? url.searchParams.get('reason') ?? 'stopped by user'
      return { EvaluationID: await runner.stop(findJob(match[1]!).job.ID, reason) }
    }],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/executions$/, (match, url) => page(findJob(match[1]!).executions, url)],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/history$/, (match, url) => page(findJob(match[1]!).history, url)],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/results$/, match => ({
      Items: findJob(match[1]!).executions.map(execution => execution.PublishedResult).filter((result): result is PublishedResult => result != null && result.Type !== ''),
      NextToken: ''
    })]
  ]

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://runner')
    void (async () => {
      try {
        const archive = /^\/results\/(e-[0-9a-f-]+\.tar\.gz)$/.exec(url.pathname)
        if (request.method === 'GET' && archive !== null) {
          const file = join(dataDir, 'results', archive[1]!)
          const size = (await stat(file).catch(() => { throw new HttpError(404, 'NotFound', `no result ${archive[1]}`) })).size
          response.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': size })
          createReadStream(file).pipe(response)
          return
        }
        for (const [method, pattern, handler] of routes) {
          const match = pattern.exec(url.pathname)
          if (match !== null && method === request.method) return send(response, 200, await handler(match, url, request))
        }
        throw new HttpError(404, 'NotFound', `no route for ${request.method} ${url.pathname}`)
      } catch (err) {
        if (err instanceof HttpError) return sendError(response, err)
        if (err instanceof ValidationError) return sendError(response, new HttpError(400, 'ValidationError', err.message))
        if (err instanceof JobConflictError || err instanceof InvalidStateError) return sendError(response, new HttpError(400, 'BadRequest', err.message))
        if (err instanceof NotFoundError) return sendError(response, new HttpError(404, 'NotFound', err.message))
        sendError(response, new HttpError(500, 'InternalServerError', (err as Error).message))
      }
    })()
  })

  // GET /api/v1/orchestrator/jobs/{id}/logs as a WebSocket: one {"value":{"Type":1|2,"Line":…},"error":""}
  // frame per line of the execution's stdout (1) and stderr (2). With follow=true it waits for the end.
  const sockets = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://runner')
    const match = /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/logs$/.exec(url.pathname)
    if (match === null) return socket.destroy()
    sockets.handleUpgrade(request, socket, head, ws => { void streamLogs(ws, match[1]!, url) })
  })

  const streamLogs = async (ws: WebSocket, id: string, url: URL): Promise<void> => {
    const record = store.find(decodeURIComponent(id))
    if (record === undefined) {
      ws.send(JSON.stringify({ value: null, error: `job not found: ${decodeURIComponent(id)}` }))
      return ws.close()
    }
    const terminal = (): boolean => TERMINAL_JOB_STATES.has(store.find(record.job.ID)?.job.State?.StateType ?? 'Undefined')
    if (url.searchParams.get('follow') === 'true' && !terminal()) {
      await new Promise<void>(resolve => {
        const onChange = (jobId: string): void => {
          if (jobId === record.job.ID && terminal()) { store.off('change', onChange); resolve() }
        }
        store.on('change', onChange)
      })
    }
    const executionId = url.searchParams.get('execution_id')
    const execution = executionId === null ? record.executions.at(-1) : record.executions.find(candidate => candidate.ID === executionId)
    // The whole stdout and stderr files (RunOutput holds only their first 2 KiB).
    const read = async (name: string, fallback: string | undefined): Promise<string> =>
      execution === undefined ? '' : readFile(join(dataDir, 'executions', execution.ID, 'result', name), 'utf8').catch(() => fallback ?? '')
    const stdout = await read('stdout', execution?.RunOutput?.Stdout)
    const stderr = await read('stderr', execution?.RunOutput?.stderr)
    for (const [type, text] of [[1, stdout], [2, stderr]] as const) {
      for (const line of text.split('\n').filter((item, index, lines) => item !== '' || index < lines.length - 1)) {
        ws.send(JSON.stringify({ value: { Type: type, Line: line }, error: '' }))
      }
    }
    ws.close()
  }
  return server
}
