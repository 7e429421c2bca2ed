// `pnpm dev`: a small DHT on loopback, every role its own process. A bootstrap server; three servers that
// know only it, one of them providing a text and publishing it under its IPNS name; then clients that know
// only the bootstrap peer find the provider, fetch and check the text, find a server by its peer ID,
// resolve the name, and publish a name of their own twice (the sequence goes up). Then peers that know only
// a bootstrap peer find each other by a shared topic. Lines carry their role.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Ready } from './server.ts'

const LOOPBACK = '/ip4/127.0.0.1/tcp/0'
const children: ChildProcess[] = []

function startRole (label: string, args: string[], env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: join(import.meta.dirname, '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  for (const output of [child.stdout, child.stderr]) {
    createInterface({ input: output }).on('line', line => {
      console.log(`${label.padEnd(9)} │ ${line}`)
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

/** Starts a role that prints READY {json} and keeps running; resolves with what it printed. */
async function startReady (label: string, args: string[], env: Record<string, string>): Promise<Ready> {
  const { promise, resolve } = Promise.withResolvers<Ready>()
  const role = startRole(label, args, { LISTEN_ADDRS: LOOPBACK, ...env }, line => {
    if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as Ready)
  })
  return Promise.race([promise, exitCode(role).then(code => { throw new Error(`${label} exited with code ${code} before it was ready`) })])
}

const startServer = async (label: string, env: Record<string, string>): Promise<Ready> => startReady(label, ['src/server.ts'], env)

async function runClient (args: string[], env: Record<string, string>): Promise<void> {
  const code = await exitCode(startRole('client', ['src/client.ts', ...args], env))
  if (code !== 0) throw new Error(`client ${args[0]} exited with code ${code}`)
}

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-routing-dev-'))
const started = performance.now()
let failed = false
try {
  const bootstrap = await startServer('bootstrap', {})
  const BOOTSTRAP = bootstrap.multiaddrs[0]!
  const [first] = await Promise.all([startServer('server-1', { BOOTSTRAP }), startServer('server-2', { BOOTSTRAP })])
  const provider = await startServer('provider', { BOOTSTRAP, PROVIDE_TEXT: `provided at ${new Date().toISOString()}`, PUBLISH_NAME: '1' })
  if (provider.cid === undefined || provider.name === undefined) throw new Error('the provider\'s READY line has no cid or name')
  const clientEnv = { BOOTSTRAP, NAME_KEY_FILE: join(workDir, 'name.key') }
  await runClient(['get', provider.cid], clientEnv)
  await runClient(['find-peer', first.peerId], clientEnv)
  await runClient(['resolve', provider.name], clientEnv)
  await runClient(['publish', provider.cid], clientEnv)
  await runClient(['publish', provider.cid], clientEnv)

  // an app's peers by topic: a bootstrap peer that relays the topic, one peer waiting, one that finds it
  const topicBootstrap = await startReady('topic', ['src/peer.ts'], { DISCOVERY_TOPIC: 'liftoff-notes', MIN_PEERS: '0' })
  const topicEnv = { BOOTSTRAP: topicBootstrap.multiaddrs[0]!, DISCOVERY_TOPIC: 'liftoff-notes' }
  await startReady('peer-a', ['src/peer.ts'], { ...topicEnv, MIN_PEERS: '0' })
  const finder = await exitCode(startRole('peer-b', ['src/peer.ts'], topicEnv))
  if (finder !== 0) throw new Error(`peer-b exited with code ${finder}`)
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  for (const child of children) if (await exitCode(child) !== 0) failed = true
  await rm(workDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
