// Bacalhau's REST API (v1.9.3, under /api/v1) over node:http, answered by the local runner with what real
// Bacalhau answers (status codes and error bodies included; see the README); the logs endpoint is a
// WebSocket. Also serves the local publisher's archives under /results/.
import { createReadStream } from 'node:fs'
import { stat, statfs } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { availableParallelism, totalmem } from 'node:os'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { parseJson, stringifyJson } from '../client/json.ts'
import type { ApiErrorBody, BuildVersionInfo, NodeInfo, PublishedResult, Resources } from '../client/types.ts'
import { corsHeaders, unauthorized } from './access.ts'
import { JobConflictError, NODE_ID, NotFoundError, type Runner } from './runner.ts'
import { SUPPORTED_PUBLISHERS, SUPPORTED_SOURCES, ValidationError } from './validate.ts'
import type { JobRecord, JobStore } from './store.ts'

/** Go's names for this machine's architecture, as Bacalhau reports them. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }

export const VERSION: BuildVersionInfo = {
  Major: '1',
  Minor: '9',
  GitVersion: 'v1.9.3-liftoff-local-runner',
  GitCommit: 'NOT BACALHAU: the ipfs-liftoff local development runner, which speaks the Bacalhau v1.9.3 API',
  BuildDate: '2026-11-24T00:00:00Z',
  GOOS: process.platform,
  GOARCH: GOARCH[process.arch] ?? process.arch
}

/** What a Bacalhau compute node offers by default: 80 % of this machine's CPUs, memory and free disk. */
async function capacity (dataDir: string): Promise<Resources> {
  const disk = await statfs(dataDir)
  return {
    CPU: Math.round(availableParallelism() * 0.8 * 1000) / 1000,
    Memory: Math.floor(totalmem() * 0.8),
    Disk: Math.floor(disk.bavail * disk.bsize * 0.8)
  }
}

async function nodeInfo (dataDir: string): Promise<NodeInfo> {
  const resources = await capacity(dataDir)
  return {
    NodeID: NODE_ID,
    NodeType: 'Compute', // as a hybrid (orchestrator + compute) Bacalhau node reports itself
    Labels: { name: NODE_ID, os_arch: VERSION.GOARCH, os_type: VERSION.GOOS },
    // the runner speaks none of Bacalhau's node-to-node protocols: it is a single node
    SupportedProtocols: [],
    ComputeNodeInfo: {
      ExecutionEngines: ['wasm'],
      Publishers: [...SUPPORTED_PUBLISHERS],
      StorageSources: SUPPORTED_SOURCES.map(source => source.toLowerCase()),
      MaxCapacity: resources,
      QueueCapacity: {},
      AvailableCapacity: resources,
      MaxJobRequirements: resources,
      RunningExecutions: 0,
      EnqueuedExecutions: 0,
      address: ''
    },
    BacalhauVersion: VERSION
  }
}

class HttpError extends Error {
  readonly status: number
  readonly code: string
  readonly component: string
  readonly extra: Pick<ApiErrorBody, 'Hint' | 'Details'>
  constructor (
    status: number, code: string, message: string, component = 'APIServer',
    extra: Pick<ApiErrorBody, 'Hint' | 'Details'> = {}
  ) {
    super(message)
    this.status = status
    this.code = code
    this.component = component
    this.extra = extra
  }
}

/** Bacalhau's answer where no route matches (its HTTP framework's 404, through Bacalhau's error handler). */
const NO_ROUTE = new HttpError(404, 'NotFound', 'The requested resource/URL was not found.', 'APIServer', {
  Hint: 'The server version may be older than this CLI version and does not support the endpoint yet.',
  Details: {
    cli_usage: 'If you are using the CLI, try updating your server to a newer version or check if the command is ' +
      'supported in your server version.'
  }
})

function send (response: ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body)
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }
  response.writeHead(status, headers).end(text)
}

function sendError (response: ServerResponse, error: HttpError, method = 'GET'): void {
  // Bacalhau leaves RequestID empty and omits Hint and Details when it has none; a HEAD gets the status alone
  if (method === 'HEAD') {
    response.writeHead(error.status).end()
    return
  }
  const body: ApiErrorBody = {
    Status: error.status,
    Message: error.message,
    RequestID: '',
    Code: error.code,
    Component: error.component,
    ...error.extra
  }
  send(response, error.status, body)
}

/** The largest request body accepted (a job with its WASM inlined as a data: URL fits easily); more is a 413. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024

async function readBody (request: IncomingMessage): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) {
    const message = `request body of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit`
    throw new HttpError(413, 'InternalError', message)
  }
  const chunks: Buffer[] = []
  let received = 0
  for await (const chunk of request) {
    received += (chunk as Buffer).byteLength
    if (received > MAX_BODY_BYTES) {
      throw new HttpError(413, 'InternalError', `request body over the ${MAX_BODY_BYTES}-byte limit`)
    }
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = parseJson(text)
  } catch (err) {
    // Bacalhau passes its HTTP framework's message on: "code=400, message=Syntax error: offset=…"
    const message = (err as Error).message
    const offset = Number(/position (\d+)/.exec(message)?.[1] ?? 0) + 1
    const described = `code=400, message=Syntax error: offset=${offset}, error=${message}, internal=${message}`
    throw new HttpError(400, 'InternalError', described)
  }
  // JSON null leaves the request empty, as Go's encoding/json does; a bare number or string is refused
  if (value === null) return {}
  if (typeof value !== 'object') {
    throw new HttpError(400, 'InternalError', `expected a JSON object, got ${typeof value}`)
  }
  return value
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
  /** The bearer token every request but alive/version must carry (results and logs included); none: open. */
  token?: string
  /** Origins that get CORS headers (CORS_ALLOW_ORIGINS); none by default. */
  corsOrigins?: ReadonlySet<string>
}

/** Go's zero time.Time, which Bacalhau sends for a node that was never disconnected. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

export function createApiServer ({ runner, store, dataDir, token, corsOrigins = new Set() }: ApiOptions): Server {
  const startedAt = new Date().toISOString()
  const findJob = (id: string): JobRecord => {
    const record = store.find(decodeURIComponent(id))
    if (record === undefined) {
      throw new HttpError(404, 'NotFound', `job not found: ${decodeURIComponent(id)}`, 'JobStore')
    }
    return record
  }

  const submit = async (_match: RegExpExecArray, _url: URL, request: IncomingMessage): Promise<unknown> => {
    const body = await readBody(request) as { Job?: unknown, Force?: boolean }
    return runner.submit(body.Job, body.Force === true)
  }
  type Handler = (match: RegExpExecArray, url: URL, request: IncomingMessage) => Promise<unknown> | unknown
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/$/, () => VERSION], // Bacalhau answers / with its version
    ['GET', /^\/api\/v1\/agent\/alive$/, () => ({ Status: 'OK' })],
    ['GET', /^\/api\/v1\/agent\/version$/, () => VERSION],
    ['GET', /^\/api\/v1\/agent\/node$/, async () => nodeInfo(dataDir)],
    ['GET', /^\/api\/v1\/orchestrator\/nodes$/, async () => ({
      NextToken: '',
      Nodes: [{
        Info: await nodeInfo(dataDir),
        Membership: 'APPROVED',
        Connection: 'CONNECTED',
        ConnectionState: {
          Status: 'CONNECTED',
          LastHeartbeat: new Date().toISOString(),
          ConnectedSince: startedAt,
          DisconnectedSince: GO_ZERO_TIME
        }
      }]
    })],
    ['PUT', /^\/api\/v1\/orchestrator\/jobs$/, submit],
    ['POST', /^\/api\/v1\/orchestrator\/jobs$/, submit], // Bacalhau takes a submission by either
    ['GET', /^\/api\/v1\/orchestrator\/jobs$/, (_match, url) => {
      let records = store.list()
      const namespace = url.searchParams.get('namespace')
      if (namespace !== null && namespace !== '' && namespace !== '*') {
        records = records.filter(record => record.job.Namespace === namespace)
      }
      // a label selector: key=value or key, comma-separated, all must hold
      for (const requirement of (url.searchParams.get('labels') ?? '').split(',').filter(Boolean)) {
        const [key, value] = requirement.split('=').map(part => part.trim())
        records = records.filter(record => {
          const label = record.job.Labels?.[key!]
          return label !== undefined && (value === undefined || label === value)
        })
      }
      // oldest first unless reversed, as Bacalhau lists them
      if (url.searchParams.get('reverse') === 'true') records = records.reverse()
      return page(records.map(record => record.job), url)
    }],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)$/, (match, url) => {
      const record = findJob(match[1]!)
      const include = (url.searchParams.get('include') ?? '').split(',')
      // left out unless asked for (omitempty), as Bacalhau does
      return {
        Job: record.job,
        ...(include.includes('history') ? { History: { NextToken: '', Items: record.history } } : {}),
        ...(include.includes('executions') ? { Executions: { NextToken: '', Items: record.executions } } : {})
      }
    }],
    ['DELETE', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)$/, async (match, _url, request) => {
      const body = await readBody(request) as { reason?: string }
      const reason = body.reason ?? '' // from the body only: Bacalhau ignores a `reason` query parameter
      return { EvaluationID: await runner.stop(findJob(match[1]!).job.ID, reason) }
    }],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/executions$/, (match, url) =>
      page(findJob(match[1]!).executions, url)],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/history$/, (match, url) => page(findJob(match[1]!).history, url)],
    ['GET', /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/results$/, match => ({
      Items: findJob(match[1]!).executions.map(execution => execution.PublishedResult)
        .filter((result): result is PublishedResult => result != null && result.Type !== ''),
      NextToken: ''
    })]
  ]

  // A client that trickles its headers (10 s) or its whole request (30 s) is cut off instead of holding a
  // socket for minutes; Node checks those deadlines every connectionsCheckingInterval.
  const deadlines = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }
  const server = createServer(deadlines, (request, response) => {
    const url = new URL(request.url ?? '/', 'http://runner')
    // Go's HTTP server refuses a path with a broken %-escape before any handler sees it
    try {
      decodeURIComponent(url.pathname)
    } catch {
      const headers = { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }
      response.writeHead(400, headers).end('400 Bad Request')
      return
    }
    // Preflights get 204 as on Bacalhau, but CORS headers only for the origins the operator listed: every web
    // page a user visits could otherwise submit jobs here
    const preflight = request.method === 'OPTIONS'
      ? { requestHeaders: request.headers['access-control-request-headers'] }
      : undefined
    const cors = corsHeaders(corsOrigins, request.headers.origin, preflight)
    for (const [name, value] of Object.entries(cors)) response.setHeader(name, value)
    if (preflight !== undefined) {
      response.writeHead(204).end()
      return
    }
    const refusal = unauthorized(token, url.pathname, request.headers.authorization)
    if (refusal !== undefined) {
      response.setHeader('WWW-Authenticate', 'Bearer')
      return sendError(response, new HttpError(401, 'Unauthorized', refusal), request.method)
    }
    const answer = async (): Promise<void> => {
      try {
        const archive = /^\/results\/(e-[0-9a-f-]+\.tar\.gz)$/.exec(url.pathname)
        if (request.method === 'GET' && archive !== null) {
          const file = join(dataDir, 'results', archive[1]!)
          const notFound = new HttpError(404, 'NotFound', `no result ${archive[1]}`)
          const { size } = await stat(file).catch(() => { throw notFound })
          response.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': size })
          createReadStream(file).pipe(response)
          return
        }
        for (const [method, pattern, handler] of routes) {
          const match = pattern.exec(url.pathname)
          if (match !== null && method === request.method) {
            send(response, 200, await handler(match, url, request))
            return
          }
        }
        throw NO_ROUTE
      } catch (err) {
        const method = request.method
        if (err instanceof HttpError) return sendError(response, err, method)
        let error: HttpError
        if (err instanceof ValidationError) error = new HttpError(400, 'InternalError', err.message)
        else if (err instanceof JobConflictError) error = new HttpError(400, 'BadRequest', err.message)
        else if (err instanceof NotFoundError) error = new HttpError(404, 'NotFound', err.message, 'JobStore')
        else error = new HttpError(500, 'InternalServerError', (err as Error).message)
        sendError(response, error, method)
      }
    }
    answer().catch((err: Error) => response.destroy(err))
  })

  // GET /api/v1/orchestrator/jobs/{id}/logs as a WebSocket. Bacalhau v1.9.3 keeps logs for docker executions
  // only: for a wasm execution it sends one error frame (after waiting 60 s for a log file that never comes;
  // this runner does not wait) and closes. Its frames are {"error":…,"value":{"Type":0|1|2,"Line":…}}.
  const sockets = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://runner')
    const match = /^\/api\/v1\/orchestrator\/jobs\/([^/]+)\/logs$/.exec(url.pathname)
    if (match === null) return socket.destroy()
    if (unauthorized(token, url.pathname, request.headers.authorization) !== undefined) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n' +
        'Content-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    sockets.handleUpgrade(request, socket, head, ws => {
      const id = decodeURIComponent(match[1]!)
      const error = store.find(id) === undefined ? `job not found: ${id}` : 'timeout while waiting for execution logs'
      ws.send(JSON.stringify({ error, value: { Type: 0, Line: '' } }))
      ws.close()
    })
  })
  return server
}
