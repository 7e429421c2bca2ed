// `pnpm dev`: the whole example on loopback, in a throw-away directory. Starts the server with alice and bob
// as writers; alice puts documents and exits once the server holds them; bob, started after alice is gone,
// reads them all from the server; eve, who is not a writer, is refused. Then the server stops, and alice and
// bob, as peers that know only a bootstrap peer, find each other by topic and replicate their new documents
// directly. Lines are prefixed with their role.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { generateIdentityKey } from './orbitdb.ts'
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

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-orbitdb-v4-dev-'))
const [alice, bob] = [await generateIdentityKey(), await generateIdentityKey()]
const PEER_WRITES = 2
const PEERS_DEADLINE_MS = 30_000
const started = performance.now()
let failed = false
const peerRoles: ChildProcess[] = []
const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
const server = startRole('server', 'server.ts', {
  DATA_DIR: join(workDir, 'server'),
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0',
  WRITERS: `${alice.identityId},${bob.identityId}`
}, line => {
  if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready)
})
try {
  const { multiaddrs, address } = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  const client = (name: string, env: Record<string, string>): Promise<number> => exitCode(startRole(name, 'client.ts', {
    CLIENT_NAME: name, DATA_DIR: join(workDir, name), SERVER_ADDR: multiaddrs[0]!, DB_ADDRESS: address, ...env
  }))
  if (await client('alice', { IDENTITY_KEY: alice.key, WRITES: '5' }) !== 0) throw new Error('alice failed')
  if (await client('bob', { IDENTITY_KEY: bob.key, WRITES: '0' }) !== 0) throw new Error('bob failed')
  if (await client('eve', { WRITES: '1' }) === 0) throw new Error('eve wrote without being a writer')
  console.log('dev    │ eve was refused, as she is not in the access controller')

  server.kill('SIGTERM')
  if (await exitCode(server) !== 0) throw new Error('the server did not stop cleanly')
  console.log('dev    │ the server is down; alice and bob meet through a bootstrap peer that holds no database')
  const lineFrom = (label: string, script: string, env: Record<string, string>, pattern: RegExp): { child: ChildProcess, line: Promise<string> } => {
    const { promise, resolve } = Promise.withResolvers<string>()
    const child = startRole(label, script, { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env }, line => { if (pattern.test(line)) resolve(line) })
    peerRoles.push(child)
    return { child, line: Promise.race([promise, exitCode(child).then(code => { throw new Error(`${label} exited with code ${code}`) })]) }
  }
  const bootstrap = lineFrom('boot', 'peer.ts', {}, /^READY /)
  const BOOTSTRAP = (JSON.parse((await bootstrap.line).slice('READY '.length)) as Ready).multiaddrs[0]!
  const everything = 5 + 2 * PEER_WRITES
  const peers = [['alice', alice.key], ['bob', bob.key]].map(([name, key]) => lineFrom(name!, 'peer.ts', {
    CLIENT_NAME: name!, IDENTITY_KEY: key!, DATA_DIR: join(workDir, name!), DB_ADDRESS: address, BOOTSTRAP, WRITES: String(PEER_WRITES)
  }, new RegExp(`holds ${everything} documents$`)).line)
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([Promise.all(peers), new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`alice and bob did not both hold ${everything} documents within ${PEERS_DEADLINE_MS} ms`)), PEERS_DEADLINE_MS) })])
    .finally(() => clearTimeout(timer))
  console.log(`dev    │ alice and bob both hold all ${everything} documents, replicated with each other while the server was down`)
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  for (const role of [server, ...peerRoles]) {
    if (role.exitCode !== null) continue
    role.kill('SIGTERM')
    if (await exitCode(role) !== 0) failed = true
  }
  await rm(workDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
