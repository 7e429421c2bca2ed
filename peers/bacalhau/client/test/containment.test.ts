// A hostile job, web page or network client against the local runner (src/runner/containment.ts,
// src/runner/access.ts): each gets its specific refusal, and the runner still runs a normal job after.
// Paths a job names stay inside its execution's directory (symlinks refused, never followed); URL inputs
// come only from allow-listed origins, within a byte cap; CORS only for listed origins; a token beyond
// loopback; timeouts bounded; WASM memory capped. Every address here is 127.0.0.1.
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import WebSocket from 'ws'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { expectExit, printed, startProcess, stopAllProcesses } from '../../../../scripts/testing/processes.ts'
import * as dagPb from '@ipld/dag-pb'
import { multiaddr } from '@multiformats/multiaddr'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { readDemoConfig } from '../src/run/config.ts'
import { runDemo } from '../src/client.ts'
import { createIpfsNode } from '../src/ipfs.ts'
import { downloadResult, type Job } from '../src/client/index.ts'
import { PROGRAMS, runnerConfig, startTestRunner, tempDir, wasmJob, type TestRunner } from './fixtures.ts'

afterEach(stopAllProcesses)

const WASI = 'wasi_snapshot_preview1'
const TOKEN = 'liftoff-test-token-0123456789abcdef'

/** Runs `job` to its end: its state and each execution's message. */
async function outcome (runner: TestRunner, job: Job) {
  const { JobID } = await runner.client.submitJob(job)
  const done = await runner.client.waitForJob(JobID, { signal: AbortSignal.timeout(60_000), pollIntervalMs: 100 })
  const messages = (done.Executions?.Items ?? []).map(execution => execution.ComputeState.Message)
  return { jobId: JobID, state: done.Job.State?.StateType, messages, done }
}

/** Fails with `refusal` on both attempts (Bacalhau retries a failed execution once). */
async function expectRefused (runner: TestRunner, job: Job, refusal: string | RegExp): Promise<void> {
  const { state, messages } = await outcome(runner, job)
  const expected = typeof refusal === 'string' ? refusal : expect.stringMatching(refusal)
  expect({ state, messages }).toEqual({ state: 'Failed', messages: [expected, expected] })
}

async function expectServesNormalJob (runner: TestRunner): Promise<void> {
  const { state, done } = await outcome(runner, await wasmJob(PROGRAMS.printEnvironment))
  expect(state, JSON.stringify(done.Executions?.Items?.map(execution => execution.ComputeState))).toBe('Completed')
}

function withInput (job: Job, input: NonNullable<Job['Tasks'][number]['InputSources']>[number]): Job {
  job.Tasks[0]!.InputSources!.push(input)
  return job
}

const escape = (text: string): string => text.replace(/[\\"]/g, char => `\\${char}`)

/** A test HTTP server on 127.0.0.1: its origin and the paths it was asked for. */
async function httpServer (
  handler: Parameters<typeof createServer>[1]
): Promise<{ origin: string, requested: string[], server: Server }> {
  const requested: string[] = []
  const server = createServer((request, response) => {
    requested.push(request.url ?? '')
    handler!(request, response)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onCleanup('test http server close()', () => { server.closeAllConnections(); server.close() })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return { origin: `http://127.0.0.1:${address.port}`, requested, server }
}

test('an input Target of ../../.. is refused and nothing is written outside the execution', async () => {
  const runner = await startTestRunner()
  // where ../../../../escaped.txt lands from an execution's root
  const escaped = join(runner.config.dataDir, '..', 'escaped.txt')
  const overwrite = { Type: 'inline' as const, Params: { URL: 'data:text/plain,overwritten' } }
  const job = withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '../../../../escaped.txt', Source: overwrite })
  await expectRefused(runner, job,
    /^refused: input Target "\.\.\/\.\.\/\.\.\/\.\.\/escaped\.txt" leaves the execution's directory$/)
  expect(existsSync(escaped)).toBe(false)
  // nor is an entry module read from outside it (whose compile error would quote the file's first bytes)
  const entry = await wasmJob(PROGRAMS.printEnvironment)
  entry.Tasks[0]!.Engine = { Type: 'wasm', Params: { EntryModule: '/../../../jobs.json', Entrypoint: '_start' } }
  await expectRefused(runner, entry, 'refused: EntryModule "/../../../jobs.json" leaves the execution\'s directory')
  await expectServesNormalJob(runner)
})

test('a ResultPath outside the execution, and a ResultPath Name outside the result, are refused', async () => {
  const runner = await startTestRunner()
  const outside = await wasmJob(PROGRAMS.printEnvironment)
  outside.Tasks[0]!.ResultPaths = [{ Name: 'jobs', Path: '/../../../jobs' }] // the runner's own job store
  await expectRefused(runner, outside,
    /^refused: ResultPath "\/\.\.\/\.\.\/\.\.\/jobs" leaves the execution's directory$/)
  const named = await wasmJob(PROGRAMS.printEnvironment)
  named.Tasks[0]!.ResultPaths = [{ Name: '../../../../copied', Path: '/outputs' }]
  await expectRefused(runner, named,
    /^refused: ResultPath Name "\.\.\/\.\.\/\.\.\/\.\.\/copied" leaves the execution's directory$/)
  expect(existsSync(join(runner.config.dataDir, '..', 'copied'))).toBe(false)
  await expectServesNormalJob(runner)
})

test('a symlink the module writes out of its directory is refused, and its target is never published', async () => {
  const runner = await startTestRunner()
  const secret = join(await tempDir(), 'secret.txt')
  await writeFile(secret, 'the runner machine\'s secret\n')
  // path_symlink(old, fd 3 = "/", new = "outputs/leak"), exiting with WASI's errno. Node's WASI refuses an
  // absolute old path but writes a relative one as it is: enough "../" reach the host's / from anywhere.
  const target = `${'../'.repeat(32)}${secret.slice(1)}`
  const symlinkOut = `(module
    (import "${WASI}" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
    (import "${WASI}" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "outputs/leak")
    (data (i32.const 64) "${escape(target)}")
    (func (export "_start") (call $exit (call $symlink
      (i32.const 64) (i32.const ${Buffer.byteLength(target)}) (i32.const 3) (i32.const 0) (i32.const 12)))))`
  // the ipfs publisher reads each file it adds, through a symlink too
  const { jobId, state, messages } = await outcome(runner, await wasmJob(symlinkOut, { publisher: 'ipfs' }))
  // on failure, show what was published: the secret, on the code before the fix
  const [result] = (await runner.client.results(jobId)).Items ?? []
  const published = join(await tempDir(), 'result')
  if (result !== undefined) {
    const ipfs = await createIpfsNode()
    onCleanup('ipfs stop()', () => ipfs.stop())
    await ipfs.libp2p.dial(multiaddr(runner.ready.ipfs[0]!))
    await downloadResult(result, published, { ipfs, signal: AbortSignal.timeout(20_000) })
  }
  const leaked = result === undefined
    ? undefined
    : await readFile(join(published, 'outputs', 'leak'), 'utf8').catch(() => 'unreadable')
  const refusal = 'refused: ResultPath "/outputs/leak" is a symlink, which is not followed'
  expect({ state, messages, published: leaked })
    .toEqual({ state: 'Failed', messages: Array(2).fill(refusal), published: undefined })
  await expectServesNormalJob(runner)
})

test('an input Target through a symlink an ipfs input brought is refused; nothing is written there', async () => {
  const runner = await startTestRunner()
  const outside = await tempDir()
  // an ipfs input: a directory holding `link`, a UnixFS symlink to a directory outside the execution
  const ipfs = await createIpfsNode()
  onCleanup('ipfs stop()', () => ipfs.stop())
  const symlink = new UnixFS({ type: 'symlink', data: new TextEncoder().encode(outside) })
  const link = dagPb.encode({ Data: symlink.marshal(), Links: [] })
  const linkCid = CID.createV1(dagPb.code, await sha256.digest(link))
  await ipfs.blockstore.put(linkCid, link)
  const directory = dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(), Links: [{ Name: 'link', Hash: linkCid }]
  }))
  const directoryCid = CID.createV1(dagPb.code, await sha256.digest(directory))
  await ipfs.blockstore.put(directoryCid, directory)
  await ipfs.libp2p.dial(multiaddr(runner.ready.ipfs[0]!))
  const job = withInput(withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '/inputs', Source: { Type: 'ipfs', Params: { CID: directoryCid.toString() } } }),
  { Target: '/inputs/link/planted.txt', Source: { Type: 'inline', Params: { URL: 'data:text/plain,planted' } } })
  await expectRefused(runner, job,
    'refused: input Target "/inputs/link/planted.txt" goes through a symlink (inputs/link), which is not followed')
  expect(existsSync(join(outside, 'planted.txt'))).toBe(false)
  await expectServesNormalJob(runner)
})

test('urlDownload from loopback, or another port of 127.0.0.1, is refused unless listed, unconnected', async () => {
  const allowed = await httpServer((_request, response) => response.end('hello\n'))
  const bystander = await httpServer((_request, response) => response.end('private\n'))
  const runner = await startTestRunner(await runnerConfig({ URL_INPUT_ALLOW: allowed.origin }))
  for (const url of [`${bystander.origin}/private`, `${runner.ready.api}/api/v1/orchestrator/jobs`, 'http://localhost:9/x']) {
    const job = withInput(await wasmJob(PROGRAMS.printEnvironment),
      { Target: '/inputs/data', Source: { Type: 'urlDownload', Params: { URL: url } } })
    const { href, origin } = new URL(url)
    await expectRefused(runner, job, `refused: urlDownload input ${href}: ${origin} is not in URL_INPUT_ALLOW`)
  }
  // an inline source is a data: URL and nothing else
  const inline = withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '/inputs/data', Source: { Type: 'inline', Params: { URL: `${bystander.origin}/private` } } })
  await expectRefused(runner, inline, /^refused: an inline input holds a data: URL, not http:$/)
  expect(bystander.requested).toEqual([])
  // the listed origin is fetched
  const listed = withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '/inputs/data', Source: { Type: 'urlDownload', Params: { URL: `${allowed.origin}/data` } } })
  expect((await outcome(runner, listed)).state).toBe('Completed')
  expect(allowed.requested).toEqual(['/data'])
  await expectServesNormalJob(runner)
})

test('a URL input over the byte cap is refused: undeclared, cut off at the cap; declared, before a byte', async () => {
  const UNDECLARED_BYTES = 64 * 1024 * 1024
  let sentBytes = 0
  const allowed = await httpServer((request, response) => {
    if (request.url === '/declared') {
      response.writeHead(200, { 'Content-Length': 2 * 1024 * 1024 }).end(Buffer.alloc(2 * 1024 * 1024))
      return
    }
    // 64 MiB without a length, 64 KiB at a time, as fast as the reader takes them, unless it hangs up first
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    const more = (): void => {
      while (!response.destroyed) {
        if (sentBytes >= UNDECLARED_BYTES) {
          response.end()
          return
        }
        sentBytes += chunk.byteLength
        if (!response.write(chunk)) {
          response.once('drain', more)
          return
        }
      }
    }
    more()
  })
  const runner = await startTestRunner(await runnerConfig({
    URL_INPUT_ALLOW: allowed.origin, URL_INPUT_MAX_BYTES: String(1024 * 1024), INPUT_TIMEOUT_MS: '30000'
  }))
  const undeclared = withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '/inputs/data', Source: { Type: 'urlDownload', Params: { URL: `${allowed.origin}/undeclared` } } })
  await expectRefused(runner, undeclared,
    `refused: input ${allowed.origin}/undeclared: over the 1048576-byte cap (URL_INPUT_MAX_BYTES)`)
  // the runner stopped reading at the cap (each attempt): what was sent is the cap plus what the sockets' buffers held
  expect(sentBytes).toBeLessThan(UNDECLARED_BYTES)
  const declared = withInput(await wasmJob(PROGRAMS.printEnvironment),
    { Target: '/inputs/data', Source: { Type: 'urlDownload', Params: { URL: `${allowed.origin}/declared` } } })
  await expectRefused(runner, declared,
    `refused: input ${allowed.origin}/declared: 2097152 bytes is over the 1048576-byte cap (URL_INPUT_MAX_BYTES)`)
  await expectServesNormalJob(runner)
})

test('a cross-origin preflight or request gets no CORS headers unless its origin is listed', async () => {
  const runner = await startTestRunner(await runnerConfig({ CORS_ALLOW_ORIGINS: 'http://app.example' }))
  const preflight = (origin: string) => fetch(`${runner.ready.api}/api/v1/orchestrator/jobs`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type'
    }
  })
  const stranger = await preflight('http://evil.example')
  expect({
    status: stranger.status,
    allowOrigin: stranger.headers.get('access-control-allow-origin'),
    allowMethods: stranger.headers.get('access-control-allow-methods')
  })
    .toEqual({ status: 204, allowOrigin: null, allowMethods: null })
  const read = await fetch(`${runner.ready.api}/api/v1/orchestrator/jobs`,
    { headers: { Origin: 'http://evil.example' } })
  expect(read.headers.get('access-control-allow-origin')).toBe(null)
  const listed = await preflight('http://app.example')
  expect({
    status: listed.status,
    allowOrigin: listed.headers.get('access-control-allow-origin'),
    allowHeaders: listed.headers.get('access-control-allow-headers')
  })
    .toEqual({ status: 204, allowOrigin: 'http://app.example', allowHeaders: 'content-type' })
  await expectServesNormalJob(runner)
})

test.each([
  ['0.0.0.0:0', '0.0.0.0:0'],
  ['[::]:0', '[::]:0']
])('an API on %s without a token is refused at start in one line', async (listen, shown) => {
  const env = { DATA_DIR: await tempDir(), API_LISTEN: listen, IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const runner = startProcess(['node', 'src/server.ts'], { cwd: join(import.meta.dirname, '..'), env })
  await expectExit(runner, 1)
  expect(runner.stderr).toEqual([`server: API_LISTEN ${shown} is beyond loopback: set API_TOKEN or API_TOKEN_FILE ` +
    '(clients send it as Authorization: Bearer …)'])
})

test('with a token set, a missing or wrong one gets 401 (API, results, logs); client and demo send it', async () => {
  const tokenFile = join(await tempDir(), 'token')
  await writeFile(tokenFile, `${TOKEN}\n`)
  const runner = await startTestRunner(await runnerConfig({ API_TOKEN_FILE: tokenFile }))
  const jobs = `${runner.ready.api}/api/v1/orchestrator/jobs`
  const refused = async (headers: Record<string, string>) => {
    const body = JSON.stringify({ Job: await wasmJob(PROGRAMS.printEnvironment) })
    const response = await fetch(jobs,
      { method: 'PUT', headers: { 'Content-Type': 'application/json', ...headers }, body })
    return { status: response.status, body: await response.json() as unknown }
  }
  expect(await refused({})).toEqual({
    status: 401,
    body: expect.objectContaining({ Status: 401, Code: 'Unauthorized', Message: 'missing authorization header' })
  })
  expect(await refused({ Authorization: `Bearer ${TOKEN}x` }))
    .toEqual({ status: 401, body: expect.objectContaining({ Message: 'authentication failed: invalid API key' }) })
  const basic = `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`
  expect(await refused({ Authorization: basic }))
    .toEqual({ status: 401, body: expect.objectContaining({ Message: 'unsupported authentication method' }) })
  expect((await fetch(`${runner.ready.api}/`)).status).toBe(401)
  expect((await runner.client.listJobs()).Items).toEqual([]) // nothing was submitted
  // alive and version stay open, as on Bacalhau
  expect((await fetch(`${runner.ready.api}/api/v1/agent/alive`)).status).toBe(200)
  // the typed client sends the token: a job runs and its local-publisher archive downloads with it, not without
  const { jobId, state } = await outcome(runner, await wasmJob(PROGRAMS.printEnvironment, { publisher: 'local' }))
  expect(state).toBe('Completed')
  const [result] = (await runner.client.results(jobId)).Items ?? []
  if (result === undefined) throw new Error(`job ${jobId} published no result`)
  await expect(downloadResult(result, await tempDir())).rejects.toThrow(/: HTTP 401$/)
  await downloadResult(result, await tempDir(), { auth: { bearer: TOKEN } })
  // the logs WebSocket refuses the upgrade without it
  const socket = new WebSocket(`${runner.ready.api.replace(/^http/, 'ws')}/api/v1/orchestrator/jobs/${jobId}/logs`)
  const [error] = await once(socket, 'error') as [Error]
  expect(error.message).toBe('Unexpected server response: 401')
  // the demo takes it as BACALHAU_TOKEN: submits, follows and downloads its local-publisher result with it
  const input = join(await tempDir(), 'input.txt')
  await writeFile(input, 'one two\nthree\n')
  const env = {
    BACALHAU_API: runner.ready.api,
    BACALHAU_TOKEN: TOKEN,
    IPFS_PEER: runner.ready.ipfs[0],
    INPUT_FILE: input,
    PUBLISHER: 'local'
  }
  const demo = await runDemo(readDemoConfig(env), () => {})
  expect(demo.counts).toEqual({ bytes: 14, lines: 2, words: 3 })
})

test('ExecutionTimeout: negative or over the maximum refused at submission (400); 0 gets the default', async () => {
  const runner = await startTestRunner(await runnerConfig({
    EXECUTION_TIMEOUT_SECONDS: '1', MAX_EXECUTION_TIMEOUT_SECONDS: '60'
  }))
  await expect(runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: -5 })))
    .rejects.toMatchObject({
      status: 400,
      body: { Message: 'task main validation failed: invalid timeouts: invalid execution timeout value: -5s' }
    })
  await expect(runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 61 })))
    .rejects.toMatchObject({
      status: 400,
      body: {
        Message: 'task main: ExecutionTimeout 61s is over this runner\'s maximum of 60s (MAX_EXECUTION_TIMEOUT_SECONDS)'
      }
    })
  const { state, messages } = await outcome(runner, await wasmJob(PROGRAMS.spin, { timeoutSeconds: 0 }))
  expect({ state, messages })
    .toEqual({ state: 'Failed', messages: ['Execution timed out after 1s', 'Execution timed out after 1s'] })
  await expectServesNormalJob(runner)
})

test('a module cannot grow its memory past WASM_MAX_MEMORY_MIB', async () => {
  const runner = await startTestRunner(await runnerConfig({ WASM_MAX_MEMORY_MIB: '64' }))
  // exits 3 when memory.grow of 1 GiB is refused, 0 when it is granted
  const grow = `(module (import "${WASI}" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
    (func (export "_start")
      (call $exit (select (i32.const 3) (i32.const 0) (i32.eq (memory.grow (i32.const 16384)) (i32.const -1))))))`
  const { state, done } = await outcome(runner, await wasmJob(grow))
  const run = done.Executions?.Items?.at(-1)?.RunOutput
  expect({ state, exitCode: run?.ExitCode }, printed({
    label: 'the memory.grow job', stdout: run?.Stdout ?? '', stderr: run?.stderr ?? ''
  })).toEqual({ state: 'Completed', exitCode: 3 })
  // one that declares more than the cap fails to start
  const declared = await wasmJob('(module (memory (export "memory") 2048) (func (export "_start")))')
  const { state: declaredState, messages } = await outcome(runner, declared)
  expect({ state: declaredState, messages })
    .toEqual({ state: 'Failed', messages: [expect.stringMatching(/memory/i), expect.stringMatching(/memory/i)] })
  await expectServesNormalJob(runner)
})
