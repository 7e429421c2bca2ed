// The runner's and the demo's settings from the environment (see the README's configuration table); each bad
// value is one line that names the variable.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { checkToken } from '../runner/access.ts'
import { hostAndPort, list, positiveInteger, type Env } from './env.ts'
import { parseOrigins } from '../runner/containment.ts'
import type { Auth } from '../client/index.ts'
import type { DemoConfig } from '../client.ts'
import type { RunnerSettings } from '../server.ts'

export interface RunnerConfig extends RunnerSettings {
  /** METRICS_LISTEN (host:port): serve Prometheus metrics there; off when unset. */
  metrics: { host: string, port: number } | undefined
}

/** API_LISTEN's `host:port` (IPv6 in brackets); its message names its own example. */
function apiListen (text: string): { host: string, port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text)
  if (match === null || Number(match[2]) > 65535) {
    throw new Error(`API_LISTEN must look like 127.0.0.1:1234, got "${text}"`)
  }
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
  const api = apiListen(env.API_LISTEN ?? '127.0.0.1:1234')
  const defaultTimeoutSeconds = positiveInteger(env, 'EXECUTION_TIMEOUT_SECONDS', 600)
  const maxTimeoutSeconds = positiveInteger(env, 'MAX_EXECUTION_TIMEOUT_SECONDS', 3600)
  if (maxTimeoutSeconds > LONGEST_TIMER_SECONDS) {
    throw new Error(`MAX_EXECUTION_TIMEOUT_SECONDS must be at most ${LONGEST_TIMER_SECONDS}, got ${maxTimeoutSeconds}`)
  }
  if (defaultTimeoutSeconds > maxTimeoutSeconds) {
    throw new Error(`EXECUTION_TIMEOUT_SECONDS (${defaultTimeoutSeconds}) must not be over ` +
      `MAX_EXECUTION_TIMEOUT_SECONDS (${maxTimeoutSeconds})`)
  }
  return {
    dataDir: env.DATA_DIR ?? '.data/runner',
    apiHost: api.host,
    apiPort: api.port,
    publicUrl: env.PUBLIC_URL === '' ? undefined : env.PUBLIC_URL,
    ipfsListen: list(env, 'IPFS_LISTEN', ['/ip4/127.0.0.1/tcp/9401']),
    defaultTimeoutSeconds,
    maxTimeoutSeconds,
    inputTimeoutMs: positiveInteger(env, 'INPUT_TIMEOUT_MS', 60_000),
    maxConcurrentExecutions: positiveInteger(env, 'MAX_CONCURRENT_EXECUTIONS', availableParallelism()),
    token: readToken(env),
    corsOrigins: parseOrigins('CORS_ALLOW_ORIGINS', env.CORS_ALLOW_ORIGINS),
    urlInputOrigins: parseOrigins('URL_INPUT_ALLOW', env.URL_INPUT_ALLOW),
    urlInputMaxBytes: positiveInteger(env, 'URL_INPUT_MAX_BYTES', 64 * 1024 * 1024),
    wasmMaxMemoryMiB: positiveInteger(env, 'WASM_MAX_MEMORY_MIB', 512),
    metrics: hostAndPort(env, 'METRICS_LISTEN')
  }
}

export function readDemoConfig (env: Env = process.env): DemoConfig {
  const publisher = env.PUBLISHER ?? 'ipfs'
  if (publisher !== 'ipfs' && publisher !== 'local') {
    throw new Error(`PUBLISHER must be ipfs or local, got "${publisher}"`)
  }
  const waitTimeoutMs = Number(env.JOB_TIMEOUT_MS ?? '120000')
  if (!Number.isSafeInteger(waitTimeoutMs) || waitTimeoutMs <= 0) {
    throw new Error(`JOB_TIMEOUT_MS must be a positive integer, got "${env.JOB_TIMEOUT_MS}"`)
  }
  let auth: Auth | undefined
  if (env.BACALHAU_TOKEN !== undefined && env.BACALHAU_TOKEN !== '') auth = { bearer: env.BACALHAU_TOKEN }
  else if (env.BACALHAU_USER !== undefined) {
    auth = { basic: { username: env.BACALHAU_USER, password: env.BACALHAU_PASSWORD ?? '' } }
  }
  return {
    api: env.BACALHAU_API ?? 'http://127.0.0.1:1234',
    auth,
    ipfsPeer: env.IPFS_PEER ?? '/ip4/127.0.0.1/tcp/9401',
    inputFile: env.INPUT_FILE ?? join(import.meta.dirname, '..', '..', 'README.md'),
    publisher,
    image: env.WORKER_IMAGE === undefined || env.WORKER_IMAGE === '' ? undefined : env.WORKER_IMAGE,
    waitTimeoutMs
  }
}
