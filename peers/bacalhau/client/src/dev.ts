// `pnpm dev`: the whole loop on one machine, against real Bacalhau when its binary is there (BACALHAU_BINARY
// or the repo's .tools/ build, with Kubo as its IPFS node: src/bacalhau.ts), else against the local runner
// (NOT Bacalhau: a stand-in that speaks its API), and it says which. BACKEND=bacalhau or BACKEND=runner
// chooses. Runs the compute-over-data demo twice (ipfs publisher, then local publisher) and stops what it
// started. Lines are prefixed with their role.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { BACALHAU_VERSION, findBinaries, startRealBacalhau } from './bacalhau.ts'
import type { Ready } from './server.ts'

function prefixed (label: string, output: NodeJS.ReadableStream | null, onLine?: (line: string) => void): void {
  if (output === null) return
  createInterface({ input: output }).on('line', line => {
    console.log(`${label.padEnd(8)} │ ${line}`)
    onLine?.(line)
  })
}

function startRole (label: string, script: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [join(import.meta.dirname, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  prefixed(label, child.stdout, onLine)
  prefixed(label, child.stderr, onLine)
  return child
}

async function exitCode (child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'exit') as [number | null]
  return code ?? 1
}

/** The backend: its API, the IPFS peer the demo joins, and how to stop it. */
async function startBackend (dataDir: string): Promise<{ api: string, ipfsPeer: string, stop: () => Promise<boolean> }> {
  const wanted = process.env.BACKEND ?? 'auto'
  if (!['auto', 'bacalhau', 'runner'].includes(wanted)) throw new Error(`BACKEND must be bacalhau, runner or auto, got "${wanted}"`)
  const binaries = wanted === 'runner' ? 'BACKEND=runner' : findBinaries()
  if (typeof binaries !== 'string') {
    console.log(`dev      │ using real Bacalhau ${BACALHAU_VERSION} (${binaries.bacalhau}) with Kubo (${binaries.kubo})`)
    const bacalhau = await startRealBacalhau(binaries, dataDir)
    return { api: bacalhau.api, ipfsPeer: bacalhau.ipfsPeer, stop: async () => { await bacalhau.stop(); return true } }
  }
  if (wanted === 'bacalhau') throw new Error(binaries)
  console.log(`dev      │ using the local runner, NOT Bacalhau: ${binaries}`)
  const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
  const runner = startRole('runner', 'server.ts', { DATA_DIR: dataDir, API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }, line => {
    if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready)
  })
  const stop = async (): Promise<boolean> => {
    runner.kill('SIGTERM')
    return await exitCode(runner) === 0
  }
  const { api, ipfs } = await Promise.race([
    ready,
    exitCode(runner).then(code => { throw new Error(`runner exited with code ${code} before it was ready`) })
  ]).catch(async (err: unknown) => { await stop(); throw err })
  return { api, ipfsPeer: ipfs[0]!, stop }
}

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-dev-'))
const started = performance.now()
let failed = false
let backend: Awaited<ReturnType<typeof startBackend>> | undefined
try {
  backend = await startBackend(dataDir)
  for (const publisher of ['ipfs', 'local']) {
    const code = await exitCode(startRole('client', 'client.ts', { BACALHAU_API: backend.api, IPFS_PEER: backend.ipfsPeer, PUBLISHER: publisher }))
    if (code !== 0) throw new Error(`the demo with the ${publisher} publisher exited with code ${code}`)
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  if (backend !== undefined && !(await backend.stop())) failed = true
  await rm(dataDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
