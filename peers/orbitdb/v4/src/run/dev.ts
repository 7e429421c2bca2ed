// `pnpm dev`: the whole example on loopback, in a throw-away directory. Starts the server with alice and bob
// as writers; alice puts documents and exits once the server holds them; bob, started after alice is gone,
// reads them all from the server; eve, who is not a writer, is refused. Then the server stops, and alice and
// bob, as peers that know only a bootstrap peer, find each other by topic and replicate their new documents
// directly. Lines are prefixed with their role.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentityKey } from '../orbitdb.ts'
import { exitCode, startReady, startRole, stopRoles } from './roles.ts'
import type { PeerReady } from '../peer.ts'
import type { Ready } from './server.ts'

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-orbitdb-v4-dev-'))
const [alice, bob] = [await generateIdentityKey(), await generateIdentityKey()]
const PEER_WRITES = 2
const PEERS_DEADLINE_MS = 30_000
const started = performance.now()
let failed = false
const loopback = { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' }

/** Resolves with the first line of `label` that matches `pattern`; rejects if it exits first. */
async function lineFrom (label: string, env: Record<string, string>, pattern: RegExp): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>()
  const role = startRole(label, ['src/peer.ts'], { ...loopback, ...env }, line => {
    if (pattern.test(line)) resolve(line)
  })
  return Promise.race([promise, exitCode(role).then(code => { throw new Error(`${label} exited with code ${code}`) })])
}

try {
  const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
  const server = startRole('server', ['src/server.ts'], {
    ...loopback, DATA_DIR: join(workDir, 'server'), WRITERS: `${alice.identityId},${bob.identityId}`
  }, line => { if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready) })
  const { multiaddrs, address } = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  const client = async (name: string, env: Record<string, string>): Promise<number> => {
    const dataDir = join(workDir, name)
    const common = { CLIENT_NAME: name, DATA_DIR: dataDir, SERVER_ADDR: multiaddrs[0]!, DB_ADDRESS: address }
    return exitCode(startRole(name, ['src/client.ts'], { ...common, ...env }))
  }
  if (await client('alice', { IDENTITY_KEY: alice.key, WRITES: '5' }) !== 0) throw new Error('alice failed')
  if (await client('bob', { IDENTITY_KEY: bob.key, WRITES: '0' }) !== 0) throw new Error('bob failed')
  if (await client('eve', { WRITES: '1' }) === 0) throw new Error('eve wrote without being a writer')
  console.log('dev        │ eve was refused, as she is not in the access controller')

  server.kill('SIGTERM')
  if (await exitCode(server) !== 0) throw new Error('the server did not stop cleanly')
  console.log('dev        │ the server is down; alice and bob meet through a bootstrap peer holding no database')
  const BOOTSTRAP = (await startReady<PeerReady>('boot', ['src/peer.ts'], loopback)).multiaddrs[0]!
  const everything = 5 + 2 * PEER_WRITES
  const peers = [['alice', alice.key], ['bob', bob.key]].map(async ([name, key]) => lineFrom(name!, {
    CLIENT_NAME: name!,
    IDENTITY_KEY: key!,
    DATA_DIR: join(workDir, name!),
    DB_ADDRESS: address,
    BOOTSTRAP,
    WRITES: String(PEER_WRITES)
  }, new RegExp(`holds ${everything} documents$`)))
  const deadline = AbortSignal.timeout(PEERS_DEADLINE_MS)
  const late = new Promise((_resolve, reject) => deadline.addEventListener('abort', () => {
    reject(new Error(`alice and bob did not both hold ${everything} documents within ${PEERS_DEADLINE_MS} ms`))
  }))
  late.catch(() => {})
  await Promise.race([Promise.all(peers), late])
  const how = 'replicated with each other while the server was down'
  console.log(`dev        │ alice and bob both hold all ${everything} documents, ${how}`)
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  if (!await stopRoles()) failed = true // a server exits 0 on SIGTERM: anything else fails the run
  await rm(workDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
