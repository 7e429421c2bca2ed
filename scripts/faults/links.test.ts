// Every example's client against its server across a bad link between two test hosts (network
// namespaces): 10 Mbit/s each way, 1 % of packets dropped on arrival at each host, and 100 ms added to each
// direction (a delaying relay: this kernel has no netem). Each client must still finish within its own
// deadline, with its usual success line. Before the example runs, the test measures the link it made
// (scripts/faults/link-probe.ts): throughput, the loss rule's drops and the relay's added round trip, each
// within bounds, so a shaping that silently did nothing fails here.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, delayRelay, shapeLink, type TestHost } from '../testing/netns.ts'
import { expectExit, printed, terminateAllProcesses, waitForReady, type RoleProcess } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

const BAD_LINK = { rateMbit: 10, lossPercent: 1 }
const DELAY_MS = 100

const PROBE = join(import.meta.dirname, 'link-probe.ts')
const PROBE_PORT = 9099
/** 2 MiB each way: about 1.7 s at 10 Mbit/s, and some 4,000 packets, so 1 % loss shows as about 40 drops. */
const BULK_BYTES = 2 * 1024 * 1024
const PINGS = 5

interface LinkMeasurement {
  mbitPerSecond: number
  lossPercent: number
  drops: number
  packets: number
  roundTripsMs: number[]
}

/** What the host received on its link so far, and how much of it its random-loss rule dropped (in INPUT). */
function inputCounters (host: TestHost): { dropped: number, received: number } {
  const listing = host.exec(['iptables', '-w', '-L', 'INPUT', '-v', '-x', '-n'])
  const dropped = /^\s*(\d+)\s+\d+\s+DROP\b.*statistic mode random/m.exec(listing)
  if (dropped === null) throw new Error(`${host.name}: no random-loss rule in INPUT:\n${listing}`)
  // the device's own count: iptables with the nf_tables backend keeps no counter for a chain's policy
  const [link] = JSON.parse(host.exec(['ip', '-j', '-s', 'link', 'show', 'dev', host.device])) as Array<{
    stats64: { rx: { packets: number } }
  }>
  return { dropped: Number(dropped[1]), received: link!.stats64.rx.packets }
}

/** The JSON after `prefix` in the probe's stdout, once it exited 0. */
async function probeResult<T> (probe: RoleProcess, prefix: string): Promise<T> {
  await expectExit(probe, 0)
  const line = probe.stdout.find(candidate => candidate.startsWith(`${prefix} `))
  expect(line, printed(probe)).toBeDefined()
  return JSON.parse(line!.slice(prefix.length + 1)) as T
}

/**
 * Throughput host to host (an echo of BULK_BYTES), drops seen by both hosts' loss rules, round trips through the relay.
 */
async function measureLink (
  serverHost: TestHost,
  clientHost: TestHost,
  relayTo: (port: number) => Promise<number>
): Promise<LinkMeasurement> {
  const cwd = import.meta.dirname
  const echo = serverHost.start([PROBE, 'serve', serverHost.address, String(PROBE_PORT)], {
    cwd,
    label: 'link probe: echo server'
  })
  await echo.waitForLine(/^LISTENING /)
  const bulk = await probeResult<{ bytes: number, ms: number }>(
    clientHost.start([PROBE, 'bulk', serverHost.address, String(PROBE_PORT), String(BULK_BYTES)], {
      cwd,
      label: 'link probe: bulk echo'
    }),
    'BULK'
  )
  const counters = [serverHost, clientHost].map(inputCounters)
  const drops = counters.reduce((sum, counted) => sum + counted.dropped, 0)
  const packets = counters.reduce((sum, counted) => sum + counted.received, 0)
  const relayPort = await relayTo(PROBE_PORT)
  const pings = await probeResult<{ rttsMs: number[] }>(
    clientHost.start([PROBE, 'ping', '127.0.0.1', String(relayPort), String(PINGS)], {
      cwd,
      label: 'link probe: pings through the delay relay'
    }),
    'PING'
  )
  await echo.stop('SIGKILL')
  return {
    mbitPerSecond: (bulk.bytes * 8) / bulk.ms / 1000,
    lossPercent: (100 * drops) / packets,
    drops,
    packets,
    roundTripsMs: pings.rttsMs.map(Math.round)
  }
}

/**
 * A server host and a client host, both on a bad link, measured; the client reaches `port` on the server
 * through a delaying relay.
 */
async function badLink (): Promise<{
  serverHost: TestHost
  clientHost: TestHost
  relayTo: (port: number) => Promise<number>
}> {
  const serverHost = createHost('server')
  const clientHost = createHost('client')
  shapeLink(serverHost, BAD_LINK)
  shapeLink(clientHost, BAD_LINK)
  const relayTo = async (port: number): Promise<number> =>
    delayRelay(clientHost, { address: serverHost.address, port }, DELAY_MS)
  const measured = await measureLink(serverHost, clientHost, relayTo)
  const shown = JSON.stringify(measured)
  console.log(
    `the bad link, measured: ${measured.mbitPerSecond.toFixed(1)} Mbit/s, ${measured.lossPercent.toFixed(2)} % lost ` +
      `(${measured.drops} of ${measured.packets} packets), round trips through the relay ` +
      `${measured.roundTripsMs.join(', ')} ms`
  )
  // loose enough for a loaded 2-core machine; an unshaped veth moves hundreds of Mbit/s, drops nothing and adds no
  // delay
  expect(measured.mbitPerSecond, `throughput ${shown}`).toBeGreaterThan(BAD_LINK.rateMbit * 0.4)
  expect(measured.mbitPerSecond, `throughput ${shown}`).toBeLessThan(BAD_LINK.rateMbit * 1.1)
  expect(measured.lossPercent, `loss ${shown}`).toBeGreaterThan(BAD_LINK.lossPercent / 4)
  expect(measured.lossPercent, `loss ${shown}`).toBeLessThan(BAD_LINK.lossPercent * 3)
  // the fastest of the exchanges: a lost packet costs one of them a retransmission
  const fastest = Math.min(...measured.roundTripsMs)
  expect(fastest, `round trip through the relay ${shown}`).toBeGreaterThanOrEqual(2 * DELAY_MS - 5)
  expect(fastest, `round trip through the relay ${shown}`).toBeLessThan(2 * DELAY_MS + 150)
  return { serverHost, clientHost, relayTo }
}

test.each(['v1', 'v3'])(
  'libp2p %s: the client dials, exchanges messages and echoes 1 MiB intact over the bad link',
  async major => {
    const { serverHost, clientHost, relayTo } = await badLink()
    const cwd = join(repoRoot, 'peers/libp2p', major)
    const server = serverHost.start(['src/server.ts'], {
      cwd,
      env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9111` }
    })
    const ready = await waitForReady(server)
    const port = await relayTo(9111)
    const client = clientHost.start(['src/client.ts'], {
      cwd,
      env: { SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}`, DIAL_TIMEOUT_MS: '30000' }
    })
    await expectExit(client, 0)
    expect(client.stdout.join('\n')).toMatch(/echo: 1048576 bytes sent and returned intact/)
  },
  120_000
)

test('Helia: the client fetches and verifies the seed directory over bitswap across the bad link', async () => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/ipfs/helia')
  const server = serverHost.start(['src/server.ts'], {
    cwd,
    env: {
      DATA_DIR: await tempDir(),
      LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9201`,
      GATEWAY_LISTEN: `${serverHost.address}:9280`,
      SERVE_PATH: join(cwd, 'seed')
    }
  })
  const ready = await waitForReady<{ peerId: string, cid: string }>(server)
  const port = await relayTo(9201)
  const client = clientHost.start(['src/client.ts', 'get', ready.cid, join(await tempDir(), 'seed')], {
    cwd,
    env: { SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}` }
  })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/every block checked against its CID ✓/)
}, 120_000)

test.each(['v2', 'v4'])(
  'OrbitDB %s: a writer puts documents and the server confirms it holds them, across the bad link',
  async major => {
    const { serverHost, clientHost, relayTo } = await badLink()
    const cwd = join(repoRoot, 'peers/orbitdb', major)
    const writer = await generateIdentityKey()
    const server = serverHost.start(['src/server.ts'], {
      cwd,
      env: {
        DATA_DIR: await tempDir(),
        LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9311`,
        WRITERS: writer.identityId
      }
    })
    const ready = await waitForReady<{ peerId: string, address: string }>(server, 60_000)
    const port = await relayTo(9311)
    const client = clientHost.start(['src/client.ts'], {
      cwd,
      env: {
        SERVER_ADDR: `/ip4/127.0.0.1/tcp/${port}/p2p/${ready.peerId}`,
        DB_ADDRESS: ready.address,
        IDENTITY_KEY: writer.key,
        WRITES: '5',
        DATA_DIR: await tempDir()
      }
    })
    await expectExit(client, 0)
    expect(client.stdout.join('\n')).toMatch(/the server holds all 5 entries; this replica has 5 documents/)
  },
  180_000
)

test('Bacalhau local runner: the demo job (IPFS input, WASM, ' +
  'ipfs publisher, output fetched) across the bad link', async () => {
  const { serverHost, clientHost, relayTo } = await badLink()
  const cwd = join(repoRoot, 'peers/bacalhau/client')
  const apiPort = await relayTo(1234)
  const ipfsPort = await relayTo(9401)
  // the API listens beyond loopback, so the runner requires a bearer token and the client sends it
  const token = randomBytes(24).toString('hex')
  const server = serverHost.start(['src/server.ts'], {
    cwd,
    env: {
      DATA_DIR: await tempDir(),
      API_LISTEN: `${serverHost.address}:1234`,
      API_TOKEN: token,
      IPFS_LISTEN: `/ip4/${serverHost.address}/tcp/9401`,
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`
    }
  })
  await waitForReady(server, 60_000)
  const client = clientHost.start(['src/client.ts'], {
    cwd,
    env: {
      BACALHAU_API: `http://127.0.0.1:${apiPort}`,
      BACALHAU_TOKEN: token,
      IPFS_PEER: `/ip4/127.0.0.1/tcp/${ipfsPort}`,
      PUBLISHER: 'ipfs'
    }
  })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toMatch(/✓ matches a local count/)
}, 180_000)
