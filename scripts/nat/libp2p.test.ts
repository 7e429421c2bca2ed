// The NAT example's roles (peers/libp2p/nat, libp2p 3) across the lab's NAT routers: a relay and a STUN/TURN
// server on the wan, a listener in one home and a dialer in another. Each case asserts what happens
// (scripts/nat/outcomes.ts) and shows why, from the routers' own connection tracking.
import { afterEach, expect, test } from 'vitest'
import { createLab, type Home, type Lab, type LabHost, type NatKind } from '../testing/nat-lab.ts'
import { expectExit, terminateAllProcesses, type RoleProcess } from '../testing/processes.ts'
import { expectOutcome, type Result } from './outcomes.ts'
import { announced, flowsTo, PORT, startCoturn, startDialer, startListener, startRelay } from './peers.ts'

afterEach(terminateAllProcesses)

interface Network {
  lab: Lab
  relay: Awaited<ReturnType<typeof startRelay>>
  stun: string
  listenerHome: Home
  dialerHome: Home
}

/** A relay and coturn on the wan and two homes with NATs of `kind`, each with one host. */
async function network (
  kind: NatKind,
  relayEnv: Record<string, string> = {}
): Promise<Network & { listenerHost: LabHost, dialerHost: LabHost }> {
  const lab = createLab()
  const [relay, ice] = await Promise.all([
    startRelay(lab.addPublicHost('relay'), relayEnv),
    startCoturn(lab, lab.addPublicHost('stun'))
  ])
  const listenerHome = lab.addHome('a', kind)
  const dialerHome = lab.addHome('b', kind)
  return {
    lab,
    relay,
    stun: ice.stun,
    listenerHome,
    dialerHome,
    listenerHost: listenerHome.addHost('listener'),
    dialerHost: dialerHome.addHost('dialer')
  }
}

/** What the dialer ended up with, from its own lines. */
function dialerResult (dialer: RoleProcess): Result {
  if (dialer.stdout.some(line => /^(direct connection after|connected after) \d+ ms: direct over /.test(line))) {
    return 'direct'
  }
  if (dialer.stderr.some(line => /no WebRTC path to the listener/.test(line))) return 'no path'
  return 'relayed'
}

test("public ↔ public: AutoNAT v2 confirms the public listener's address, and a dialer given its relayed address " +
  'reaches it directly', async () => {
  const lab = createLab()
  const relay = await startRelay(lab.addPublicHost('relay'))
  const listenerHost = lab.addPublicHost('listener')
  const listener = await startListener(listenerHost, relay.address)
  const confirmed = await listener.role
    .waitForLine(new RegExp(`public addresses confirmed: .*/ip6/${listenerHost.address}/tcp/${PORT}/`), 30_000)
    .catch(() => undefined)
  expectOutcome(
    'autonatPublic',
    confirmed === undefined ? 'not confirmed' : 'reachable',
    confirmed ?? listener.role.stdout.join('\n')
  )

  const dialer = startDialer(lab.addPublicHost('dialer'), listener.ready.circuit, { DIRECT_TIMEOUT_MS: '10000' })
  await expectExit(dialer, 0)
  const direct = dialer.stdout.find(line => line.startsWith('direct connection after'))
  // DCUtR's unilateral upgrade: the listener (the inbound side of the relayed connection) dials the dialer
  expect(direct ?? '').toContain(`/ip6/${listenerHost.address}/tcp/`)
  expectOutcome('publicDirect', dialerResult(dialer), direct ?? dialer.stdout.join('\n'))
})

test("behind an endpoint-independent NAT, AutoNAT v2 confirms no public address: the router drops the relay's " +
  'dial-back', async () => {
  const lab = createLab()
  const relay = await startRelay(lab.addPublicHost('relay'), { DEBUG: 'libp2p:auto-nat-v2:server*' })
  const home = lab.addHome('home', 'endpoint-independent')
  // over QUIC: js-libp2p's identify ignores observed TCP addresses (js-libp2p#2620), which leaves AutoNAT
  // nothing to test
  const listener = await startListener(
    home.addHost('listener'),
    relay.ready.multiaddrs.find(address => address.includes('/quic-v1/'))!
  )
  // the relay's AutoNAT v2 server was asked to dial the router's address (the listener's observed one) and failed
  const failed = await relay.role.waitForLine(
    new RegExp(`failed to open connection to /ip6/${home.router.address}/`),
    30_000,
    'stderr'
  )
  const announcing = listener.role.stdout.filter(line => line.startsWith('announcing '))
  expect(announcing.length).toBeGreaterThan(0)
  expectOutcome(
    'autonatBehindNat',
    announcing.every(line => line.endsWith('public addresses confirmed: none (reachable through the relay only)'))
      ? 'not confirmed'
      : 'reachable',
    `relay: ${failed.replace(/^\S+ /, '').slice(0, 200)}`
  )
})

test.each([
  ['tcp', 'eimTcp'],
  ['quic', 'eimQuic']
] as const)(
  'endpoint-independent NATs, js ↔ js over %s with DCUtR: both dial ' +
    'at once from ephemeral ports and the connection stays relayed',
  async (transport, id) => {
    const { lab, relay, listenerHome, dialerHome, listenerHost, dialerHost } = await network('endpoint-independent')
    const listener = await startListener(listenerHost, relay.address, {
      LISTEN_ADDRS: transport === 'tcp' ? `/ip6/::/tcp/${PORT}` : `/ip6/::/udp/${PORT}/quic-v1`,
      APPEND_ANNOUNCE: announced(listenerHome, transport)
    })
    const dialer = startDialer(dialerHost, listener.ready.circuit, {
      LISTEN_ADDRS: transport === 'tcp' ? `/ip6/::/tcp/${PORT}` : `/ip6/::/udp/${PORT}/quic-v1`,
      APPEND_ANNOUNCE: announced(dialerHome, transport),
      DIRECT_TIMEOUT_MS: '12000'
    })
    await expectExit(dialer, 0)
    expect(dialer.stdout.filter(line => line.startsWith('message ')).length).toBe(3)
    // what each router saw leave for the other home: the hole-punching attempts, and their source ports
    const attempts = [
      ...flowsTo(lab, listenerHome, dialerHome, transport === 'tcp' ? 'tcp' : 'udp'),
      ...flowsTo(lab, dialerHome, listenerHome, transport === 'tcp' ? 'tcp' : 'udp')
    ]
    expect(attempts.length, 'no hole-punching attempt left either home').toBeGreaterThan(0)
    expect(
      attempts.filter(flow => flow.insidePort === PORT),
      'an attempt left from the listening port'
    ).toEqual([])
    expect(attempts.filter(flow => flow.replied)).toEqual([])
    expectOutcome(
      id,
      dialerResult(dialer),
      `attempts ${attempts.map(flow => `from port ${flow.insidePort} to ${flow.to}, unanswered`).join('; ')}`
    )
  }
)

test('endpoint-independent NATs, js ↔ js over WebRTC with STUN: direct ' +
  'through both routers; the relay is killed and they keep talking', async () => {
  const { lab, relay, stun, listenerHome, dialerHome, listenerHost, dialerHost } = await network('endpoint-independent')
  const listener = await startListener(listenerHost, relay.address, { ICE_SERVERS: stun })
  const dialer = startDialer(dialerHost, listener.ready.webrtc, { ICE_SERVERS: stun, STDIN_MESSAGES: '1' })
  await dialer.waitForLine(/^heard from the listener direct over webrtc/, 30_000)
  await relay.role.stop('SIGKILL')
  dialer.child.stdin!.write('after the relay is gone\n')
  await dialer.waitForLine(
    /^sent "after the relay is gone" direct over webrtc .*answer: "echo: after the relay is gone"$/,
    10_000
  )
  dialer.child.stdin!.end()
  await expectExit(dialer, 0)
  const punched = flowsTo(lab, listenerHome, dialerHome, 'udp').filter(flow => flow.replied)
  expect(punched.length, lab.conntrack(listenerHome).join('\n')).toBeGreaterThan(0)
  expectOutcome(
    'eimWebrtc',
    dialerResult(dialer),
    `UDP ${punched.map(flow => `${flow.insidePort} (out as ${flow.outsidePort}) ⇄ ${flow.to}`).join(', ')} answered ` +
      'both ways; a message after the relay was killed was echoed'
  )
})

test.each([
  ['endpoint-independent', 'without', 'eimWebrtcNoStun'],
  ['symmetric', 'with', 'symmetricWebrtc']
] as const)(
  '%s NATs, js ↔ js over WebRTC %s STUN: no path, and the dialer says so in one line',
  async (kind, stunUse, id) => {
    const withStun = stunUse === 'with'
    const { relay, stun, listenerHost, dialerHost } = await network(kind)
    const ice: Record<string, string> = withStun ? { ICE_SERVERS: stun } : {}
    const listener = await startListener(listenerHost, relay.address, ice)
    const dialer = startDialer(dialerHost, listener.ready.webrtc, { ...ice, DIRECT_TIMEOUT_MS: '5000' })
    await expectExit(dialer, 1)
    expect(dialer.stderr).toEqual([
      expect.stringMatching(
        /^dialer: no WebRTC path to the listener after \d+ ms: ICE found no candidate pair that works/
      )
    ])
    expectOutcome(id, dialerResult(dialer), dialer.stderr[0]!)
  }
)

test("symmetric NATs, js ↔ js: stays relayed and says so; messages flow until the relay's limit ends the connection, " +
  'which is one line', async () => {
  const { relay, listenerHome, dialerHome, listenerHost, dialerHost } = await network('symmetric', {
    RELAY_LIMIT_SECONDS: '6'
  })
  const listener = await startListener(listenerHost, relay.address, {
    APPEND_ANNOUNCE: `${announced(listenerHome, 'tcp')},${announced(listenerHome, 'quic')}`
  })
  const dialer = startDialer(dialerHost, listener.ready.circuit, {
    APPEND_ANNOUNCE: `${announced(dialerHome, 'tcp')},${announced(dialerHome, 'quic')}`,
    DIRECT_TIMEOUT_MS: '2000',
    STDIN_MESSAGES: '1'
  })
  await dialer.waitForLine(/^stayed relayed: no direct connection within 2000 ms$/, 20_000)
  await dialer.waitForLine(/^message 3\/3 relayed .*"echo: message 3"$/)
  await expectExit(dialer, 1)
  expect(dialer.stderr).toEqual([expect.stringMatching(/^dialer: the relay ended the relayed connection after \d+ ms/)])
  expectOutcome(
    'symmetricRelay',
    dialerResult(dialer),
    `${dialer.stdout.find(line => line.startsWith('stayed relayed'))!}; then ${dialer.stderr[0]!}`
  )
})

test("symmetric NATs, js ↔ js over WebRTC with STUN and TURN: ICE falls back to coturn's relay, and the peers talk " +
  'through it', async () => {
  const lab = createLab()
  const stunHost = lab.addPublicHost('stun')
  const [relay, ice] = await Promise.all([startRelay(lab.addPublicHost('relay')), startCoturn(lab, stunHost)])
  const [listenerHome, dialerHome] = [lab.addHome('a', 'symmetric'), lab.addHome('b', 'symmetric')]
  const servers = `${ice.stun},${ice.turn}`
  const listener = await startListener(listenerHome.addHost('listener'), relay.address, { ICE_SERVERS: servers })
  const dialer = startDialer(dialerHome.addHost('dialer'), listener.ready.webrtc, { ICE_SERVERS: servers })
  await expectExit(dialer, 0)
  expect(
    dialer.stdout.filter(line => /^message \d\/3 direct over webrtc .*"echo: message \d"$/.test(line))
  ).toHaveLength(3)
  // libp2p calls it a direct WebRTC connection; the routers show where its packets went: to coturn, not to the other
  // home
  const betweenHomes = [
    ...flowsTo(lab, listenerHome, dialerHome, 'udp'),
    ...flowsTo(lab, dialerHome, listenerHome, 'udp')
  ].filter(flow => flow.replied)
  const toTurn = lab
    .conntrack(dialerHome)
    .filter(
      line =>
        line.startsWith('udp') &&
        line.includes(`dst=${stunHost.address} `) &&
        line.includes('dport=3478') &&
        !line.includes('[UNREPLIED]')
    )
  expect(toTurn.length).toBeGreaterThan(0)
  expectOutcome(
    'symmetricTurn',
    betweenHomes.length === 0 ? 'relayed' : 'direct',
    `no answered UDP between the homes; the dialer's router: ${toTurn.length} answered flow(s) to coturn :3478`
  )
})
