// The dev runner's processes: each role is `node <script>` in the example's folder, its lines prefixed with
// its label. Every example keeps an equal copy in src/run/roles.ts (scripts/checks/harness.test.ts).
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const exampleDir = join(import.meta.dirname, '..', '..')
const started: ChildProcess[] = []

// Node's compile cache keeps the compiled modules between runs: each role starts faster the second time.
const compileCache = { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') }

/** Starts `node <args>` in the example's folder; every line it prints goes to the console and to onLine. */
export function startRole (
  label: string, args: string[], env: Record<string, string>, onLine?: (line: string) => void
): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: exampleDir, env: { ...compileCache, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  started.push(child)
  for (const output of [child.stdout, child.stderr]) {
    createInterface({ input: output }).on('line', line => {
      console.log(`${label.padEnd(10)} │ ${line}`)
      onLine?.(line)
    })
  }
  return child
}

export async function exitCode (child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'exit') as [number | null]
  return code ?? 1
}

/** Starts a role that prints `READY {json}` and keeps running; resolves with that JSON. */
export async function startReady<Ready> (label: string, args: string[], env: Record<string, string>): Promise<Ready> {
  const { promise, resolve } = Promise.withResolvers<Ready>()
  const role = startRole(label, args, env, line => {
    if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as Ready)
  })
  const exited = exitCode(role).then(code => {
    throw new Error(`${label} exited with code ${code} before it was ready`)
  })
  return await Promise.race([promise, exited])
}

/** Runs a role to its end; a non-zero exit throws. */
export async function runToEnd (label: string, args: string[], env: Record<string, string>): Promise<void> {
  const code = await exitCode(startRole(label, args, env))
  if (code !== 0) throw new Error(`${label} exited with code ${code}`)
}

/** Stops every role still running with SIGTERM; resolves with whether each exited 0, as a clean stop does. */
export async function stopRoles (): Promise<boolean> {
  const running = started.filter(child => child.exitCode === null && child.signalCode === null)
  const codes = await Promise.all(running.map(async child => {
    child.kill('SIGTERM')
    return await exitCode(child)
  }))
  return codes.every(code => code === 0)
}
