// `pnpm dev`: the whole loop on one machine. Starts the local runner (random free ports, a throw-away data
// dir), runs the compute-over-data demo against it twice (ipfs publisher, then local publisher), then
// stops the runner. Lines are prefixed with their role.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Ready } from './server.ts'

function startRole (label: string, script: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [join(import.meta.dirname, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const output of [child.stdout, child.stderr]) {
    if (output === null) continue
    createInterface({ input: output }).on('line', line => {
      console.log(`${label.padEnd(6)} │ ${line}`)
      onLine?.(line)
    })
  }
  return child
}

async function exitCode (child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'exit') as [number | null]
  return code ?? 1
}

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-dev-'))
const started = performance.now()
let failed = false
const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
const runner = startRole('runner', 'server.ts', { DATA_DIR: dataDir, API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }, line => {
  if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready)
})
try {
  const { api, ipfs } = await Promise.race([
    ready,
    exitCode(runner).then(code => { throw new Error(`runner exited with code ${code} before it was ready`) })
  ])
  for (const publisher of ['ipfs', 'local']) {
    const code = await exitCode(startRole('client', 'client.ts', { BACALHAU_API: api, IPFS_PEER: ipfs[0]!, PUBLISHER: publisher }))
    if (code !== 0) throw new Error(`the demo with the ${publisher} publisher exited with code ${code}`)
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  runner.kill('SIGTERM')
  if (await exitCode(runner) !== 0) failed = true
  await rm(dataDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
