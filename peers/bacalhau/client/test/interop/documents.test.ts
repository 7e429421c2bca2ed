// The local runner answers like real Bacalhau v1.9.3, whole documents: the same jobs (the demo with an IPFS
// input and each publisher, a failing job, a stopped job) go to both, and every answer of the API (agent,
// nodes, submit, describe with and without include, executions, history, results, list, stop, errors) is
// compared key path by key path, and value by value except for what must differ (IDs, times, the node's
// name and version, the addresses of each side's own services); hostile requests by status and error code.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, expect, test } from 'vitest'
import { tempDir } from '../../../../../scripts/testing/cleanup.ts'
import { hostileRequests } from '../../../../../scripts/testing/hostile.ts'
import { findBinaries, startRealBacalhau } from '../../src/run/bacalhau.ts'
import { BacalhauClient } from '../../src/client/index.ts'
import { readDemoConfig } from '../../src/run/config.ts'
import { runDemo } from '../../src/client.ts'
import { readRunnerConfig } from '../../src/run/config.ts'
import { startServer } from '../../src/run/server.ts'
import { startRunner } from '../../src/server.ts'
import { bacalhauStatus, HOSTILE_PATHS, PROGRAMS, wasmJob } from '../fixtures.ts'

const found = findBinaries()
if (typeof found === 'string') throw new Error(`these tests run real Bacalhau: ${found}`)

type Answers = Map<string, { status: number, body: unknown }>
const JSON_HEADERS = { 'Content-Type': 'application/json' }
interface Side { api: string, ipfsPeer: string, stop: () => Promise<void> }

/** Every answer the API gives for the same work, by a name that is the same on both sides. */
async function answersOf (side: Side): Promise<Answers> {
  const answers: Answers = new Map()
  const api = `${side.api}/api/v1`
  const client = new BacalhauClient({ baseUrl: side.api })
  const ask = async (name: string, path: string, init?: RequestInit): Promise<unknown> => {
    const response = await fetch(`${api}${path}`, init)
    const body = JSON.parse(await response.text()) as unknown
    answers.set(name, { status: response.status, body })
    return body
  }
  const submit = async (name: string, job: unknown): Promise<string> => {
    const init = { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ Job: job, Force: false }) }
    const answer = await ask(`${name}: submit`, '/orchestrator/jobs', init) as { JobID: string }
    return answer.JobID
  }
  const describe = async (name: string, id: string): Promise<void> => {
    for (const include of ['', '?include=executions', '?include=history', '?include=history,executions']) {
      await ask(`${name}: describe${include}`, `/orchestrator/jobs/${id}${include}`)
    }
    for (const part of ['executions', 'history', 'results']) {
      await ask(`${name}: ${part}`, `/orchestrator/jobs/${id}/${part}`)
    }
  }

  for (const path of ['alive', 'version', 'node']) await ask(`agent ${path}`, `/agent/${path}`)
  await ask('nodes', '/orchestrator/nodes')

  const input = join(await tempDir(), 'input.txt')
  await writeFile(input, 'the quick brown fox\njumps over\n\tthe lazy dog\n')
  for (const publisher of ['ipfs', 'local'] as const) {
    const env = { BACALHAU_API: side.api, IPFS_PEER: side.ipfsPeer, INPUT_FILE: input, PUBLISHER: publisher }
    const { jobId } = await runDemo(readDemoConfig(env), () => {})
    await describe(`demo (${publisher} publisher)`, jobId)
  }

  const failing = await submit('a failing job', { ...await wasmJob(PROGRAMS.trap), Name: 'failing' })
  await client.waitForJob(failing, { signal: AbortSignal.timeout(60_000) })
  await describe('a failing job', failing)

  const spin = await wasmJob(PROGRAMS.spin, { timeoutSeconds: 600 })
  const spinning = await submit('a stopped job', { ...spin, Name: 'stopped' })
  const running = new AbortController()
  await client.waitForJob(spinning, {
    signal: AbortSignal.any([running.signal, AbortSignal.timeout(30_000)]),
    onStateChange: job => { if (job.Job.State?.StateType === 'Running') running.abort() }
  }).catch((err: unknown) => { if (!running.signal.aborted) throw err })
  const stop = { method: 'DELETE', headers: JSON_HEADERS, body: JSON.stringify({ reason: 'enough spinning' }) }
  await ask('a stopped job: stop', `/orchestrator/jobs/${spinning}`, stop)
  await client.waitForJob(spinning, { signal: AbortSignal.timeout(60_000) })
  await describe('a stopped job', spinning)
  await ask('a stopped job: stop again', `/orchestrator/jobs/${spinning}`, { method: 'DELETE' })

  await ask('list', '/orchestrator/jobs?limit=2')
  const { NextToken } = answers.get('list')!.body as { NextToken: string }
  await ask('list, next page', `/orchestrator/jobs?limit=2&next_token=${NextToken}`)
  await ask('an unknown job', '/orchestrator/jobs/j-missing')
  await ask('a job without tasks', '/orchestrator/jobs',
    { method: 'PUT', headers: JSON_HEADERS, body: '{"Job":{"Type":"batch","Tasks":[]}}' })
  await ask('a body that is not JSON', '/orchestrator/jobs',
    { method: 'PUT', headers: JSON_HEADERS, body: '{not json' })

  // hostile requests (test/hostile.test.ts): their status, and who refused them with which code
  for (const [index, request] of hostileRequests(HOSTILE_PATHS).entries()) {
    const body = request.method === 'GET' ? undefined : request.body
    const init = { method: request.method, body, headers: request.headers }
    const response = await fetch(`${side.api}${request.path}`, init)
    const text = await response.text()
    const error = text.startsWith('{') ? JSON.parse(text) as { Code?: string, Component?: string } : { text }
    const refusal = 'text' in error ? error : { Code: error.Code, Component: error.Component }
    const name = `hostile ${index} (${request.kind}): ${request.method} ${request.path.slice(0, 60)}`
    answers.set(name, { status: response.status, body: response.status < 400 ? {} : refusal })
  }
  return answers
}

/** Each leaf of a JSON document as path → values; array elements under [], a list of strings as one sorted value. */
function leaves (value: unknown, path = '', into = new Map<string, Set<string>>()): Map<string, Set<string>> {
  const add = (text: string): void => { into.set(path, new Set([...into.get(path) ?? [], text])) }
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) add(JSON.stringify([...value].sort()))
  else if (Array.isArray(value)) {
    if (value.length === 0) add('[]')
    for (const item of value) leaves(item, `${path}[]`, into)
  } else if (typeof value === 'object' && value !== null) {
    if (Object.keys(value).length === 0) add('{}')
    for (const [key, item] of Object.entries(value)) leaves(item, path === '' ? key : `${path}.${key}`, into)
  } else add(JSON.stringify(value))
  return into
}

/**
 * Values that must differ between two deployments: identities, times, versions, each side's own addresses
 * and CIDs, and what describes the machine (capacity; the publishers and node protocols only Bacalhau has).
 */
const OWN_VALUES = new RegExp([
  String.raw`(^|\.)(ID|JobID|EvalID|EvaluationID|NodeID|ExecutionID|RequestID)$`,
  String.raw`(^|\.)(CreateTime|ModifyTime|Time|Timestamp|LastHeartbeat|ConnectedSince)$`,
  String.raw`(^|\.)(GitVersion|GitCommit|BuildDate)$`, String.raw`bacalhau\.org/server\.instance\.id$`,
  String.raw`PublishedResult\.Params\.(CID|URL)$`, String.raw`Items\[\]\.Params\.(CID|URL)$`,
  String.raw`Capacity\.\w+$|MaxJobRequirements\.\w+$`, String.raw`ComputeNodeInfo\.Publishers$`,
  String.raw`SupportedProtocols$`
].join('|'))

/**
 * What is compared of a value at `path`: the node's name inside messages, a time inside a name and an opaque
 * page token stand for themselves; the text of a WASM trap's stack trace is the WASM engine's (wazero's,
 * V8's), the text of a JSON syntax error the JSON parser's (Go's, V8's): both are compared up to there.
 */
function comparable (path: string, value: string, nodeName: string): string {
  if (/(^|\.)NextToken$/.test(path)) return value === '""' ? value : '<token>'
  return value.replaceAll(nodeName, '<node>').replace(/\d{13,}/g, '<time>')
    .replace(/\\nwasm stack trace:.*"$/, '"').replace(/(Syntax error: offset=\d+, error=).*"$/, '$1…"')
}

function differences (ours: Answers, theirs: Answers): string[] {
  const found: string[] = []
  const nodeNames = [ours, theirs].map(answers => (answers.get('agent node')!.body as { NodeID: string }).NodeID)
  for (const [name, real] of theirs) {
    const runner = ours.get(name)
    if (runner === undefined) { found.push(`${name}: not asked of the runner`); continue }
    if (runner.status !== real.status) found.push(`${name}: status ${runner.status}, Bacalhau ${real.status}`)
    const [a, b] = [leaves(runner.body), leaves(real.body)]
    for (const path of new Set([...a.keys(), ...b.keys()])) {
      const values = [...a.get(path) ?? []].map(value => comparable(path, value, nodeNames[0]!)).sort()
      const expected = [...b.get(path) ?? []].map(value => comparable(path, value, nodeNames[1]!)).sort()
      if (!a.has(path)) found.push(`${name}: ${path} missing (Bacalhau: ${expected.join(' | ').slice(0, 120)})`)
      else if (!b.has(path)) found.push(`${name}: ${path} extra (Bacalhau has none)`)
      else if (!OWN_VALUES.test(path) && values.join() !== expected.join()) {
        const [ours, theirs] = [values.join(' | ').slice(0, 160), expected.join(' | ').slice(0, 160)]
        found.push(`${name}: ${path} = ${ours}, Bacalhau ${theirs}`)
      }
    }
  }
  return found
}

let real: Answers
let runner: Answers
beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-documents-'))
  try {
    const bacalhau = await startRealBacalhau(found, join(dataDir, 'bacalhau'))
    try {
      real = await answersOf({ ...bacalhau })
    } finally {
      await bacalhau.stop()
    }
    const env = { DATA_DIR: join(dataDir, 'runner'), API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
    const local = await startServer(readRunnerConfig(env), startRunner)
    try {
      runner = await answersOf({ api: local.ready.api, ipfsPeer: local.ready.ipfs[0]!, stop: local.stop })
    } finally {
      await local.stop()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}, 300_000)

test('every answer of the runner has the key paths and values of real Bacalhau\'s', () => {
  expect(real.size).toBe(runner.size)
  expect(differences(runner, real)).toEqual([])
})

test('the statuses the main suite expects of hostile requests are the ones real Bacalhau gives', () => {
  const requests = hostileRequests(HOSTILE_PATHS)
  const statuses = [...real.entries()]
    .filter(([name]) => name.startsWith('hostile ')).map(([, answer]) => answer.status)
  expect(statuses).toEqual(requests.map(bacalhauStatus))
})
