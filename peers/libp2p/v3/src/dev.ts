// `pnpm dev`: the whole example on loopback. Starts the server as its own process (random free ports,
// a throw-away data dir), waits for its READY line, runs one client over TCP and one over WebSockets,
// then stops the server with SIGTERM. Every line is prefixed with the role that printed it.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const sourceDir = import.meta.dirname

// Node's compile cache keeps the compiled libp2p modules between runs: each role starts faster the second time.
const compileCache = { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') }

function startRole (label: string, script: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [join(sourceDir, script)], { env: { ...compileCache, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const output of [child.stdout, child.stderr]) {
    if (output === null) continue
    createInterface({ input: output }).on('line', line => {
      console.log(`${label.padEnd(10)} │ ${line}`)
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

const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-libp2p-v3-'))
const started = performance.now()
console.log('dev: starting the server (TCP and WebSockets on 127.0.0.1, random ports)')
let failed = false
const { promise: ready, resolve: onReady } = Promise.withResolvers<string[]>()
const server = startRole('server', 'server.ts', {
  DATA_DIR: dataDir,
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'
}, line => {
  if (line.startsWith('READY ')) onReady((JSON.parse(line.slice('READY '.length)) as { multiaddrs: string[] }).multiaddrs)
})
try {
  const multiaddrs = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  for (const transport of ['tcp', 'ws'] as const) {
    const address = multiaddrs.find(candidate => candidate.includes('/ws/') === (transport === 'ws'))
    if (address === undefined) throw new Error(`server has no ${transport} address`)
    const code = await exitCode(startRole(`client-${transport}`, 'client.ts', { SERVER_ADDR: address, CLIENT_NAME: `client-${transport}` }))
    if (code !== 0) throw new Error(`client-${transport} exited with code ${code}`)
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  server.kill('SIGTERM')
  const code = await exitCode(server)
  if (code !== 0) failed = true
  await rm(dataDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
