// `pnpm dev`: the whole loop on one machine, against real Bacalhau when its binary is there (BACALHAU_BINARY
// or the repo's .tools/ build, with Kubo as its IPFS node: src/run/bacalhau.ts), else against the local runner
// (NOT Bacalhau: a stand-in that speaks its API), and it says which. BACKEND=bacalhau or BACKEND=runner
// chooses. Runs the compute-over-data demo twice (ipfs publisher, then local publisher) and stops what it
// started. Lines are prefixed with their role.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BACALHAU_VERSION, findBinaries, startRealBacalhau } from './bacalhau.ts'
import { exitCode, runToEnd, startRole, stopRoles } from './roles.ts'
import type { Ready } from './server.ts'

/** The backend: its API, the IPFS peer the demo joins, and how to stop it. */
async function startBackend (dataDir: string): Promise<{ api: string, ipfsPeer: string, stop: () => Promise<void> }> {
  const wanted = process.env.BACKEND ?? 'auto'
  if (!['auto', 'bacalhau', 'runner'].includes(wanted)) {
    throw new Error(`BACKEND must be bacalhau, runner or auto, got "${wanted}"`)
  }
  const binaries = wanted === 'runner' ? 'BACKEND=runner' : findBinaries()
  if (typeof binaries !== 'string') {
    const using = `real Bacalhau ${BACALHAU_VERSION} (${binaries.bacalhau}) with Kubo (${binaries.kubo})`
    console.log(`dev        │ using ${using}`)
    const bacalhau = await startRealBacalhau(binaries, dataDir)
    return { api: bacalhau.api, ipfsPeer: bacalhau.ipfsPeer, stop: bacalhau.stop }
  }
  if (wanted === 'bacalhau') throw new Error(binaries)
  console.log(`dev        │ using the local runner, NOT Bacalhau: ${binaries}`)
  const env = { DATA_DIR: dataDir, API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const { promise: ready, resolve } = Promise.withResolvers<Ready>()
  const runner = startRole('runner', ['src/server.ts'], env, line => {
    if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as Ready)
  })
  const exited = exitCode(runner).then(code => {
    throw new Error(`runner exited with code ${code} before it was ready`)
  })
  const { api, ipfs } = await Promise.race([ready, exited])
  const stop = async (): Promise<void> => {
    runner.kill('SIGTERM')
    const code = await exitCode(runner)
    if (code !== 0) throw new Error(`the runner stopped with code ${code}`)
  }
  return { api, ipfsPeer: ipfs[0]!, stop }
}

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-dev-'))
const started = performance.now()
let failed = false
let backend: Awaited<ReturnType<typeof startBackend>> | undefined
try {
  backend = await startBackend(dataDir)
  for (const publisher of ['ipfs', 'local']) {
    const env = { BACALHAU_API: backend.api, IPFS_PEER: backend.ipfsPeer, PUBLISHER: publisher }
    await runToEnd('client', ['src/client.ts'], env)
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  await backend?.stop().catch((err: Error) => {
    console.error(`dev: stopping the backend: ${err.message}`)
    failed = true
  })
  if (!await stopRoles()) failed = true // a server exits 0 on SIGTERM: anything else fails the run
  await rm(dataDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
