// `pnpm dev`: a small DHT on loopback, every role its own process. A bootstrap server; three servers that
// know only it, one of them providing a text and publishing it under its IPNS name; then clients that know
// only the bootstrap peer find the provider, fetch and check the text, find a server by its peer ID,
// resolve the name, and publish a name of their own twice (the sequence goes up). Then peers that know only
// a bootstrap peer find each other by a shared topic. Lines carry their role.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runToEnd, startReady, stopRoles } from './roles.ts'
import type { Ready } from '../server.ts'

const LOOPBACK = '/ip4/127.0.0.1/tcp/0'

const startServer = async (label: string, env: Record<string, string>): Promise<Ready> =>
  await startReady<Ready>(label, ['src/server.ts'], { LISTEN_ADDRS: LOOPBACK, ...env })
const startPeer = async (label: string, env: Record<string, string>): Promise<Ready> =>
  await startReady<Ready>(label, ['src/peer.ts'], { LISTEN_ADDRS: LOOPBACK, ...env })
const runClient = async (args: string[], env: Record<string, string>): Promise<void> =>
  await runToEnd('client', ['src/client.ts', ...args], env)

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-routing-dev-'))
const started = performance.now()
let failed = false
try {
  const bootstrap = await startServer('bootstrap', {})
  const BOOTSTRAP = bootstrap.multiaddrs[0]!
  const [first] = await Promise.all([startServer('server-1', { BOOTSTRAP }), startServer('server-2', { BOOTSTRAP })])
  const PROVIDE_TEXT = `provided at ${new Date().toISOString()}`
  const provider = await startServer('provider', { BOOTSTRAP, PROVIDE_TEXT, PUBLISH_NAME: '1' })
  if (provider.cid === undefined || provider.name === undefined) {
    throw new Error('the provider\'s READY line has no cid or name')
  }
  const clientEnv = { BOOTSTRAP, NAME_KEY_FILE: join(workDir, 'name.key') }
  await runClient(['get', provider.cid], clientEnv)
  await runClient(['find-peer', first!.peerId], clientEnv)
  await runClient(['resolve', provider.name], clientEnv)
  await runClient(['publish', provider.cid], clientEnv)
  await runClient(['publish', provider.cid], clientEnv)

  // an app's peers by topic: a bootstrap peer that relays the topic, one peer waiting, one that finds it
  const topicBootstrap = await startPeer('topic', { DISCOVERY_TOPIC: 'liftoff-notes', MIN_PEERS: '0' })
  const topicEnv = { BOOTSTRAP: topicBootstrap.multiaddrs[0]!, DISCOVERY_TOPIC: 'liftoff-notes' }
  await startPeer('peer-a', { ...topicEnv, MIN_PEERS: '0' })
  await runToEnd('peer-b', ['src/peer.ts'], topicEnv)
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  // a server that does not exit 0 on SIGTERM fails the run: a clean stop is part of the example
  if (!await stopRoles()) {
    console.error('dev: a role did not exit 0 when stopped')
    failed = true
  }
  await rm(workDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
