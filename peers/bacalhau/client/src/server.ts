// The local runner: NOT Bacalhau, but a development stand-in that speaks Bacalhau v1.9.3's API and runs
// WASM batch jobs in-process (Node's WASI, one worker thread per execution), with an IPFS node of its own
// for ipfs inputs and the ipfs publisher. Jobs and results persist in DATA_DIR. `pnpm start:server`.
import { readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { createIpfsNode } from './ipfs.ts'
import { checkToken, requireTokenBeyondLoopback } from './runner/access.ts'
import { createApiServer, VERSION } from './runner/api.ts'
import { parseOrigins } from './runner/containment.ts'
import { Runner } from './runner/runner.ts'
import { JobStore } from './runner/store.ts'
import { oneLine } from './client/errors.ts'
import { runnerMetrics, serveMetrics } from './metrics.ts'

type Env = Record<string, string | undefined>

function positiveInteger (env: Env, name: string, fallback: number): number {
  const text = env[name]
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}"`)
  return value
}

export interface RunnerConfig {
  dataDir: string
  apiHost: string
  apiPort: number
  /** How clients reach the API; local results are published under it. Default: http://<API_LISTEN>. */
  publicUrl: string | undefined
  ipfsListen: string[]
  defaultTimeoutSeconds: number
  /** MAX_EXECUTION_TIMEOUT_SECONDS: the longest ExecutionTimeout a job may ask for. */
  maxTimeoutSeconds: number
  inputTimeoutMs: number
  maxConcurrentExecutions: number
  /** API_TOKEN or API_TOKEN_FILE: the bearer token requests must carry; required beyond loopback. */
  token: string | undefined
  /** CORS_ALLOW_ORIGINS: browser origins that may call the API; none by default. */
  corsOrigins: Set<string>
  /** URL_INPUT_ALLOW: origins urlDownload inputs may come from; none by default. */
  urlInputOrigins: Set<string>
  /** URL_INPUT_MAX_BYTES: the most bytes one URL or inline input may hold. */
  urlInputMaxBytes: number
  /** WASM_MAX_MEMORY_MIB: the most memory one WASM module may have. */
  wasmMaxMemoryMiB: number
  /** METRICS_LISTEN (host:port): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

/** `host:port` (IPv6 in brackets), or one line saying what `name` should look like. */
function hostAndPort (name: string, text: string, example: string): { host: string, port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text)
  if (match === null || Number(match[2]) > 65535) throw new Error(`${name} must look like ${example}, got "${text}"`)
  return { host: match[1]!, port: Number(match[2]) }
}

/** API_TOKEN, or the first line of the file API_TOKEN_FILE names (a mounted secret); not both. */
function readToken (env: Env): string | undefined {
  const [text, file] = [env.API_TOKEN ?? '', env.API_TOKEN_FILE ?? '']
  if (text !== '' && file !== '') throw new Error('set API_TOKEN or API_TOKEN_FILE, not both')
  if (text !== '') return checkToken('API_TOKEN', text)
  if (file === '') return undefined
  let contents: string
  try {
    contents = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`API_TOKEN_FILE ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  return checkToken(`the token in API_TOKEN_FILE ${file}`, contents.split('\n')[0]!.trim())
}

/** Node's timers hold up to 2^31 - 1 ms; a longer timeout would fire at once. */
const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

export function readRunnerConfig (env: Env = process.env): RunnerConfig {
  const api = hostAndPort('API_LISTEN', env.API_LISTEN ?? '127.0.0.1:1234', '127.0.0.1:1234')
  const metricsText = env.METRICS_LISTEN?.trim() ?? ''
  const defaultTimeoutSeconds = positiveInteger(env, 'EXECUTION_TIMEOUT_SECONDS', 600)
  const maxTimeoutSeconds = positiveInteger(env, 'MAX_EXECUTION_TIMEOUT_SECONDS', 3600)
  if (maxTimeoutSeconds > LONGEST_TIMER_SECONDS) throw new Error(`MAX_EXECUTION_TIMEOUT_SECONDS must be at most ${LONGEST_TIMER_SECONDS}, got ${maxTimeoutSeconds}`)
  if (defaultTimeoutSeconds > maxTimeoutSeconds) throw new Error(`EXECUTION_TIMEOUT_SECONDS (${defaultTimeoutSeconds}) must not be over MAX_EXECUTION_TIMEOUT_SECONDS (${maxTimeoutSeconds})`)
  return {
    dataDir: env.DATA_DIR ?? '.data/runner',
    apiHost: api.host,
    apiPort: api.port,
    publicUrl: env.PUBLIC_URL === '' ? undefined : env.PUBLIC_URL,
    ipfsListen: (env.IPFS_LISTEN ?? '/ip4/127.0.0.1/tcp/9401').split(',').map(item => item.trim()).filter(Boolean),
    defaultTimeoutSeconds,
    maxTimeoutSeconds,
    inputTimeoutMs: positiveInteger(env, 'INPUT_TIMEOUT_MS', 60_000),
    maxConcurrentExecutions: positiveInteger(env, 'MAX_CONCURRENT_EXECUTIONS', availableParallelism()),
    token: readToken(env),
    corsOrigins: parseOrigins('CORS_ALLOW_ORIGINS', env.CORS_ALLOW_ORIGINS),
    urlInputOrigins: parseOrigins('URL_INPUT_ALLOW', env.URL_INPUT_ALLOW),
    urlInputMaxBytes: positiveInteger(env, 'URL_INPUT_MAX_BYTES', 64 * 1024 * 1024),
    wasmMaxMemoryMiB: positiveInteger(env, 'WASM_MAX_MEMORY_MIB', 512),
    metrics: metricsText === '' ? undefined : hostAndPort('METRICS_LISTEN', metricsText, '127.0.0.1:9464')
  }
}

export interface Ready {
  api: string
  ipfs: string[]
  version: string
  /** The URL Prometheus scrapes, when METRICS_LISTEN is set. */
  metrics?: string
}

export interface RunningRunner {
  ready: Ready
  store: JobStore
  stop: () => Promise<void>
}

export async function startRunner (config: RunnerConfig): Promise<RunningRunner> {
  requireTokenBeyondLoopback(config.apiHost, config.apiPort, config.token)
  const readyFile = join(config.dataDir, 'ready.json')
  await rm(readyFile, { force: true })
  await mkdir(config.dataDir, { recursive: true })
  const store = new JobStore(config.dataDir)
  const registry = config.metrics === undefined ? undefined : runnerMetrics(() => store.list().map(record => record.job.State?.StateType ?? 'Undefined'))
  const ipfs = await createIpfsNode({ dataDir: join(config.dataDir, 'ipfs'), listen: config.ipfsListen, metricsRegistry: registry })
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    await store.load()
    let api = ''
    const runner = new Runner({
      store,
      ipfs,
      dataDir: config.dataDir,
      publicUrl: () => config.publicUrl ?? api,
      defaultTimeoutSeconds: config.defaultTimeoutSeconds,
      maxTimeoutSeconds: config.maxTimeoutSeconds,
      inputTimeoutMs: config.inputTimeoutMs,
      urlInputs: { allowedOrigins: config.urlInputOrigins, maxBytes: config.urlInputMaxBytes, timeoutMs: config.inputTimeoutMs },
      maxConcurrentExecutions: config.maxConcurrentExecutions,
      wasmMaxMemoryMiB: config.wasmMaxMemoryMiB
    })
    await runner.recover()
    const server = createApiServer({ runner, store, dataDir: config.dataDir, token: config.token, corsOrigins: config.corsOrigins })
    server.listen(config.apiPort, config.apiHost)
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err as Error })])
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('the API server has no TCP address')
    api = `http://${config.apiHost.includes(':') ? `[${config.apiHost}]` : config.apiHost}:${address.port}`
    if (registry !== undefined && config.metrics !== undefined) metricsServer = await serveMetrics(registry, config.metrics.host, config.metrics.port)
    const ready: Ready = { api, ipfs: ipfs.libp2p.getMultiaddrs().map(String), version: VERSION.GitVersion, ...(metricsServer === undefined ? {} : { metrics: metricsServer.url }) }
    await writeFile(readyFile, JSON.stringify(ready) + '\n')
    return {
      ready,
      store,
      stop: async () => {
        await metricsServer?.close()
        server.closeAllConnections()
        server.close()
        await runner.close()
        await ipfs.stop()
        await rm(readyFile, { force: true })
      }
    }
  } catch (err) {
    await metricsServer?.close()
    await ipfs.stop()
    throw err
  }
}

const STOP_DEADLINE_MS = 10_000

if (import.meta.main) {
  let running: RunningRunner | undefined
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(running?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: Error) => {
      console.error(`server: stop failed: ${err.message}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    running = await startRunner(readRunnerConfig())
    console.log(`READY ${JSON.stringify(running.ready)}`)
    console.log('ipfs-liftoff local runner: NOT Bacalhau. A development stand-in that speaks the Bacalhau v1.9.3 API')
    console.log(`and runs WASM batch jobs. API: ${running.ready.api}/api/v1 (BACALHAU_API=${running.ready.api})`)
    console.log(`IPFS node: ${running.ready.ipfs.join(', ')}`)
    console.log(`${running.store.list().length} jobs on record`)
  } catch (err) {
    console.error(`server: ${oneLine((err as Error).message)}`)
    process.exit(1)
  }
}
