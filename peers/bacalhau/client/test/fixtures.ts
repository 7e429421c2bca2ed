// A local runner on random loopback ports with its own data dir, a client for it, and small WASM programs
// (WAT, compiled with wabt) that trap, spin, exit non-zero or print their environment and arguments.
import { join } from 'node:path'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import type { HostileRequest } from '../../../../scripts/testing/hostile.ts'
import { BacalhauClient, type Job } from '../src/client/index.ts'
import { readRunnerConfig, type RunnerConfig } from '../src/run/config.ts'
import { startServer, type RunningRunner } from '../src/run/server.ts'
import { startRunner } from '../src/server.ts'
import { compileWat } from '../src/wasm/compile.ts'

export { tempDir }

export interface TestRunner extends RunningRunner {
  config: RunnerConfig
  client: BacalhauClient
}

export async function runnerConfig (env: Record<string, string> = {}): Promise<RunnerConfig> {
  const dataDir = join(await tempDir('liftoff-bacalhau-runner-'), 'runner')
  return readRunnerConfig({ DATA_DIR: dataDir, API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0', ...env })
}

export async function startTestRunner (config?: RunnerConfig): Promise<TestRunner> {
  const resolved = config ?? await runnerConfig()
  const running = await startServer(resolved, startRunner)
  let stopped = false
  const stop = async (): Promise<void> => {
    if (!stopped) await running.stop()
    stopped = true
  }
  onCleanup('runner stop()', stop)
  const auth = resolved.token === undefined ? undefined : { bearer: resolved.token }
  return { ...running, stop, config: resolved, client: new BacalhauClient({ baseUrl: running.ready.api, auth }) }
}

const WASI = 'wasi_snapshot_preview1'

export const PROGRAMS = {
  // WASI needs every module to export its memory.
  trap: '(module (memory (export "memory") 1) (func (export "_start") unreachable))',
  spin: '(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))',
  exitThree: `(module (import "${WASI}" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 3))))`,
  /** Prints its environment, then its arguments, one per line. */
  printEnvironment: `(module
    (import "${WASI}" "environ_sizes_get" (func $environSizes (param i32 i32) (result i32)))
    (import "${WASI}" "environ_get" (func $environ (param i32 i32) (result i32)))
    (import "${WASI}" "args_sizes_get" (func $argsSizes (param i32 i32) (result i32)))
    (import "${WASI}" "args_get" (func $args (param i32 i32) (result i32)))
    (import "${WASI}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func $print (param $text i32) (param $length i32) (local $i i32)
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $length)))
        (if (i32.eqz (i32.load8_u (i32.add (local.get $text) (local.get $i))))
          (then (i32.store8 (i32.add (local.get $text) (local.get $i)) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (i32.store (i32.const 0) (local.get $text))
      (i32.store (i32.const 4) (local.get $length))
      (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
    (func (export "_start")
      (drop (call $environSizes (i32.const 16) (i32.const 20)))
      (drop (call $environ (i32.const 1024) (i32.const 4096)))
      (call $print (i32.const 4096) (i32.load (i32.const 20)))
      (drop (call $argsSizes (i32.const 24) (i32.const 28)))
      (drop (call $args (i32.const 2048) (i32.const 8192)))
      (call $print (i32.const 8192) (i32.load (i32.const 28)))))`
}

export interface WasmJobOptions {
  env?: Record<string, string>
  parameters?: string[]
  timeoutSeconds?: number
  publisher?: 'local' | 'ipfs'
  nameSection?: boolean
}

export async function wasmJob (program: string, options: WasmJobOptions = {}): Promise<Job> {
  const wasm = await compileWat(program, 'module.wat', { nameSection: options.nameSection ?? true })
  const module = `data:application/wasm;base64,${Buffer.from(wasm).toString('base64')}`
  return {
    Name: `test-${Math.random().toString(36).slice(2)}`,
    Type: 'batch',
    Count: 1,
    Tasks: [{
      Name: 'main',
      Engine: {
        Type: 'wasm',
        Params: { EntryModule: '/app/main.wasm', Entrypoint: '_start', Parameters: options.parameters ?? [] }
      },
      Env: options.env ?? null,
      InputSources: [{ Target: '/app/main.wasm', Source: { Type: 'inline', Params: { URL: module } } }],
      Publisher: { Type: options.publisher ?? 'local' },
      ResultPaths: [{ Name: 'outputs', Path: '/outputs' }],
      Timeouts: { ExecutionTimeout: options.timeoutSeconds ?? 30 }
    }]
  }
}

/** The routes hostile requests are aimed at: the jobs collection, a job, a job's executions. */
export const HOSTILE_PATHS = [
  '/api/v1/orchestrator/jobs', '/api/v1/orchestrator/jobs/j-nope', '/api/v1/orchestrator/jobs/j-nope/executions'
]

/**
 * The status Bacalhau v1.9.3 gives a hostile request (seen from real Bacalhau; the interop tier checks the
 * runner against it request by request): a preflight 204, a broken %-escape 400, / its version, a body at
 * the jobs collection (PUT or POST) 400, listing jobs 200, anything else 404 (no such job, no such route).
 */
export function bacalhauStatus (request: HostileRequest): number {
  const path = new URL(request.path, 'http://bacalhau').pathname
  if (request.method === 'OPTIONS') return 204
  if (/%(?![0-9a-f]{2})/i.test(path)) return 400
  if (path === '/' && request.method === 'GET') return 200
  if (path === '/api/v1/orchestrator/jobs') {
    return request.method === 'GET' ? 200 : ['PUT', 'POST'].includes(request.method) ? 400 : 404
  }
  return 404
}
