// Runs one WASM module under WASI in a worker thread, so the runner can stop it (timeout, job stopped)
// with worker.terminate() while it keeps serving requests. The job's file system is one directory
// preopened as "/" (fd 3), as Bacalhau's wazero executor presents it.
import { closeSync, openSync, readFileSync } from 'node:fs'
import { WASI } from 'node:wasi'
import { parentPort, workerData } from 'node:worker_threads'

export interface WasmRun {
  modulePath: string
  entrypoint: string
  args: string[]
  env: Record<string, string>
  rootDir: string
  stdoutPath: string
  stderrPath: string
}

export type WasmOutcome = { exitCode: number } | { error: string }

function run ({ modulePath, entrypoint, args, env, rootDir, stdoutPath, stderrPath }: WasmRun): WasmOutcome {
  const stdout = openSync(stdoutPath, 'w')
  const stderr = openSync(stderrPath, 'w')
  try {
    const wasi = new WASI({ version: 'preview1', args, env, preopens: { '/': rootDir }, stdout, stderr, returnOnExit: true })
    const module = new WebAssembly.Module(readFileSync(modulePath))
    // As Bacalhau v1.9.3 does (its tracing reads function names from the module).
    if (WebAssembly.Module.customSections(module, 'name').length === 0) {
      return { error: `failed to load entry module ${args[0]}: failed to compile module at "${args[0]}": Name section not found` }
    }
    const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports)
    if (entrypoint !== '_start') {
      const entry = instance.exports[entrypoint]
      if (typeof entry !== 'function') return { error: `the module exports no function "${entrypoint}"` }
      wasi.initialize(instance)
      entry()
      return { exitCode: 0 }
    }
    return { exitCode: wasi.start(instance) }
  } catch (err) {
    return { error: err instanceof WebAssembly.RuntimeError ? `wasm trap: ${err.message}` : (err as Error).message }
  } finally {
    closeSync(stdout)
    closeSync(stderr)
  }
}

parentPort?.postMessage(run(workerData as WasmRun))
