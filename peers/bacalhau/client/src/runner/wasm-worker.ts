// Runs one WASM module under WASI in a worker thread, so the runner can stop it (timeout, job stopped)
// with worker.terminate() while it keeps serving requests. The job's file system is one directory
// preopened as "/" (fd 3), as Bacalhau's wazero executor presents it.
import { closeSync, openSync, readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { WASI } from 'node:wasi'
import { parentPort, workerData } from 'node:worker_threads'

export interface WasmRun {
  modulePath: string
  /** The module's path inside the job, for messages. */
  entryModule: string
  entrypoint: string
  args: string[]
  env: Record<string, string>
  rootDir: string
  stdoutPath: string
  stderrPath: string
  /** The most 64 KiB pages a module's memory may have: declaring more fails, memory.grow beyond answers -1. */
  maxMemoryPages: number
}

/**
 * exitCode is -1 when the module returns without calling proc_exit, as Bacalhau's wazero executor reports it.
 * firstWrites: the bytes of the first write to stdout (fd 1) and stderr (fd 2): Bacalhau's RunOutput holds only those.
 */
export type WasmOutcome = { exitCode: number, firstWrites: { stdout: number, stderr: number } } | { error: string }

function run (job: WasmRun): WasmOutcome {
  const { modulePath, entryModule, entrypoint, args, env, rootDir, stdoutPath, stderrPath, maxMemoryPages } = job
  // V8's flag holds for the whole process (every WASM memory in it is a job's, or small: undici's parser)
  setFlagsFromString(`--wasm-max-mem-pages=${maxMemoryPages}`)
  const stdout = openSync(stdoutPath, 'w')
  const stderr = openSync(stderrPath, 'w')
  try {
    const wasi = new WASI({
      version: 'preview1', args, env, preopens: { '/': rootDir }, stdout, stderr, returnOnExit: true
    })
    const module = new WebAssembly.Module(readFileSync(modulePath))
    // As Bacalhau v1.9.3 does (its tracing reads function names from the module).
    if (WebAssembly.Module.customSections(module, 'name').length === 0) {
      const why = `failed to compile module at "${entryModule}": Name section not found`
      return { error: `failed to load entry module ${entryModule}: ${why}` }
    }
    const imports = wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, unknown> }
    const wasiCalls = imports.wasi_snapshot_preview1
    let exited = false
    const procExit = wasiCalls.proc_exit as (code: number) => never
    wasiCalls.proc_exit = (code: number) => {
      exited = true
      return procExit(code)
    }
    const firstWrites = { stdout: -1, stderr: -1 }
    const fdWrite = wasiCalls.fd_write as (fd: number, iovs: number, iovsLength: number, written: number) => number
    wasiCalls.fd_write = (fd: number, iovs: number, iovsLength: number, written: number) => {
      const result = fdWrite(fd, iovs, iovsLength, written)
      const stream = fd === 1 ? 'stdout' : fd === 2 ? 'stderr' : undefined
      if (stream !== undefined && firstWrites[stream] === -1 && result === 0) {
        const memory = instance.exports.memory as WebAssembly.Memory
        firstWrites[stream] = new DataView(memory.buffer).getUint32(written, true)
      }
      return result
    }
    const instance: WebAssembly.Instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports)
    if (entrypoint !== '_start') {
      const entry = instance.exports[entrypoint]
      if (typeof entry !== 'function') return { error: `the module exports no function "${entrypoint}"` }
      wasi.initialize(instance)
      entry()
      return { exitCode: -1, firstWrites }
    }
    const code = wasi.start(instance)
    return { exitCode: exited ? code : -1, firstWrites }
  } catch (err) {
    return { error: err instanceof WebAssembly.RuntimeError ? `wasm error: ${err.message}` : (err as Error).message }
  } finally {
    closeSync(stdout)
    closeSync(stderr)
  }
}

parentPort?.postMessage(run(workerData as WasmRun))
