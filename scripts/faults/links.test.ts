// Every example's client against its server across a bad link between two test hosts (network
// namespaces): 10 Mbit/s each way, 1 % of packets dropped on arrival at each host, and 100 ms added to each
// direction (a delaying relay: this kernel has no netem). Each client must still finish within its own
// deadline, with its usual success line.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, delayRelay, shapeLink, type TestHost } from '../testing/netns.ts'
import { expectExit, terminateAllProcesses, waitForReady } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

const BAD_LINK = { rateMbit: 10, lossPercent: 1 }
const DELAY_MS = 100

/** A server host and a client host, both on a bad link; the client reaches `port` on the server through a delaying relay. */
async function badLink (): Promise<{ serverHost: TestHost, clientHost: TestHost, relayTo: (port: number) => Promise<number> }> {
  const serverHost = createHost('server')
  const clientHost = createHost('client')
  shapeLink(serverHost, BAD_LINK)
  shapeLink(clientHost, BAD_LINK)
  return { serverHost, clientHost, relayTo: async port => delayRelay(clientHost, { address: serverHost.address, port }, DELAY_MS) }
}

test.each(['v1', 'v3'])('libp2p %s: the client dials, exchanges messages and echoes 1 MiB intact over the bad link', async major => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/libp2p', major)
  const server = serverHost.start(['src/server.ts'], { cwd, env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9111` } })
  const ready = await waitForReady(server)
  const port = await relayTo(9111)
  const client = clientHost.start(['src/client.ts'], { cwd, env: { SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}`, DIAL_TIMEOUT_MS: '30000' } })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/echo: 1048576 bytes sent and returned intact/)
}, 120_000)

test('Helia: the client fetches and verifies the seed directory over bitswap across the bad link', async () => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/ipfs/helia')
  const server = serverHost.start(['src/server.ts'], { cwd, env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9201`, GATEWAY_LISTEN: `${serverHost.address}:9280`, SERVE_PATH: join(cwd, 'seed') } })
  const ready = await waitForReady<{ peerId: string, cid: string }>(server)
  const port = await relayTo(9201)
  const client = clientHost.start(['src/client.ts', 'get', ready.cid, join(await tempDir(), 'seed')], { cwd, env: { SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}` } })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/every block checked against its CID ✓/)
}, 120_000)

test.each(['v2', 'v4'])('OrbitDB %s: a writer puts documents and the server confirms it holds them, across the bad link', async major => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/orbitdb', major)
  const writer = await generateIdentityKey()
  const server = serverHost.start(['src/server.ts'], { cwd, env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9311`, WRITERS: writer.identityId } })
  const ready = await waitForReady<{ peerId: string, address: string }>(server, 60_000)
  const port = await relayTo(9311)
  const client = clientHost.start(['src/client.ts'], { cwd, env: { SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}`, DB_ADDRESS: ready.address, IDENTITY_KEY: writer.key, WRITES: '5', DATA_DIR: await tempDir() } })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/the server holds all 5 entries; this replica has 5 documents/)
}, 180_000)

test('Bacalhau local runner: the demo job (IPFS input, WASM, ipfs publisher, output fetched) across the bad link', async () => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/bacalhau/client')
  const apiPort = await relayTo(1234)
  const ipfsPort = await relayTo(9401)
  const server = serverHost.start(['src/server.ts'], { cwd, env: { DATA_DIR: await tempDir(), API_LISTEN: `${serverHost.address}:1234`, IPFS_LISTEN: `/ip4/${serverHost.address}/tcp/9401`, PUBLIC_URL: `http://127.0.0.1:${apiPort}` } })
  await waitForReady(server, 60_000)
  const client = clientHost.start(['src/client.ts'], { cwd, env: { BACALHAU_API: `http://127.0.0.1:${apiPort}`, IPFS_PEER: `/ip4/127.0.0.1/tcp/${ipfsPort}`, PUBLISHER: 'ipfs' } })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/✓ matches a local count/)
}, 180_000)
