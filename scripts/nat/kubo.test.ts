// Kubo (go-libp2p) behind the lab's NAT routers, with its defaults for hole punching: Kubo ↔ Kubo, the
// example's js listener ↔ Kubo, and Kubo as the relay the js peers reserve on. Kubo is configured only where
// a user behind a router must configure it (see kubo.ts); what it does from there is its own.
import { afterEach, expect, test } from 'vitest'
import { createLab, type Home, type Lab } from '../testing/nat-lab.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { kuboUntil, startLabKubo, type LabKubo } from './kubo.ts'
import { expectOutcome } from './outcomes.ts'
import { announced, flowsTo, PORT, startDialer, startListener, startRelay } from './peers.ts'

afterEach(terminateAllProcesses)

/** The addresses `ipfs swarm peers` shows for `peer` (one line each: "<address>/p2p/<peer>"). */
const addressesOf = (kubo: LabKubo, peer: string): string[] =>
  kubo.cli(['swarm', 'peers']).split('\n').filter(line => line.endsWith(`/p2p/${peer}`))

/** What each router saw leave for the other home, by the port it left from. */
function punches (lab: Lab, homes: [Home, Home]): string {
  return homes
    .map((home, index) => {
      const flows = [...flowsTo(lab, home, homes[1 - index]!, 'udp'), ...flowsTo(lab, home, homes[1 - index]!, 'tcp')]
      return `${home.name}: ` +
        `${flows.map(flow => `from ${flow.insidePort}${flow.replied ? ' (answered)' : ''}`).join(', ') || 'nothing'}`
    })
    .join('; ')
}

test('Kubo ↔ Kubo behind endpoint-independent NATs: DCUtR through our ' +
  'relay punches a direct connection from the listening ports', async () => {
  const lab = createLab()
  const relay = await startRelay(lab.addPublicHost('relay'))
  const homes: [Home, Home] = [lab.addHome('a', 'endpoint-independent'), lab.addHome('b', 'endpoint-independent')]
  const [listener, dialer] = await Promise.all(
    homes.map(async (home, index) =>
      startLabKubo(home.addHost(index === 0 ? 'listener' : 'dialer'), {
        relays: [relay.address],
        reachability: 'private',
        appendAnnounce: [announced(home, 'tcp'), announced(home, 'quic')]
      })
    )
  )
  const circuit = await kuboUntil(
    listener!,
    ['id', '-f', '<addrs>'],
    output => output.split('\n').find(line => line.includes(`${relay.ready.peerId}/p2p-circuit`)),
    30_000,
    'the listening Kubo takes a reservation on the relay'
  )
  dialer!.cli(['swarm', 'connect', `${circuit}/p2p/${listener!.peerId}`])
  const direct = await kuboUntil(
    dialer!,
    ['swarm', 'peers'],
    output =>
      output.split('\n').find(line => line.endsWith(`/p2p/${listener!.peerId}`) && !line.includes('/p2p-circuit')),
    30_000,
    'a direct connection'
  )
  expect(direct).toMatch(new RegExp(`^/ip6/${homes[0].router.address}/(udp|tcp)/${PORT}/`))
  const answered = [...flowsTo(lab, homes[0], homes[1], 'udp'), ...flowsTo(lab, homes[0], homes[1], 'tcp')].filter(
    flow => flow.replied
  )
  expect(
    answered.some(flow => flow.insidePort === PORT),
    punches(lab, homes)
  ).toBe(true)
  expectOutcome('kuboKubo', 'direct', `the dialing Kubo's connection: ${direct}; ${punches(lab, homes)}`)
})

test('js listener ↔ Kubo behind endpoint-independent NATs: DCUtR ' +
  'runs all its attempts and the connection stays relayed', async () => {
  const lab = createLab()
  const relay = await startRelay(lab.addPublicHost('relay'))
  const homes: [Home, Home] = [lab.addHome('a', 'endpoint-independent'), lab.addHome('b', 'endpoint-independent')]
  const listener = await startListener(homes[0].addHost('listener'), relay.address, {
    APPEND_ANNOUNCE: `${announced(homes[0], 'tcp')},${announced(homes[0], 'quic')}`,
    DEBUG: 'libp2p:dcutr*'
  })
  const kubo = await startLabKubo(homes[1].addHost('dialer'), {
    relays: [relay.address],
    reachability: 'private',
    appendAnnounce: [announced(homes[1], 'tcp'), announced(homes[1], 'quic')]
  })
  kubo.cli(['swarm', 'connect', listener.ready.circuit])
  // the js listener received the relayed connection, so it runs DCUtR (three attempts); its last word on it
  const last = await listener.role.waitForLine(/DCUtR on attempt 3 of 3|DCUtR to \S+ succeeded/, 60_000, 'stderr')
  const paths = addressesOf(kubo, listener.ready.peerId)
  expect(paths.length).toBeGreaterThan(0)
  const result = paths.every(path => path.includes('/p2p-circuit')) ? 'relayed' : 'direct'
  expectOutcome(
    'jsKubo',
    result,
    `Kubo's connections to the listener: ${paths.join(', ')}; ${punches(lab, homes)}; listener: ` +
      `${last.replace(/^\S+ /, '').slice(0, 160)}`
  )
})

test("Kubo as the relay: js peers behind endpoint-independent NATs reserve on Kubo's relay service and talk through " +
  'it; Kubo states its limit in seconds', async () => {
  const lab = createLab()
  const relayHost = lab.addPublicHost('relay')
  const kubo = await startLabKubo(relayHost, { relayService: true, reachability: 'public' })
  const relayAddress = `/ip6/${relayHost.address}/tcp/${PORT}/p2p/${kubo.peerId}`
  const listener = await startListener(lab.addHome('a', 'endpoint-independent').addHost('listener'), relayAddress)
  const dialer = startDialer(lab.addHome('b', 'endpoint-independent').addHost('dialer'), listener.ready.circuit, {
    DIRECT_TIMEOUT_MS: '2000'
  })
  await expectExit(dialer, 0)
  const connected = dialer.stdout.find(line => line.startsWith('connected after')) ?? ''
  // Kubo's relay service defaults (Swarm.RelayService): 2 minutes and 128 KiB per relayed connection
  expect(connected).toMatch(/: relayed .*\(relay limits: \d+ bytes, 120 s\)$/)
  expect(dialer.stdout.filter(line => /^message \d\/3 relayed .*"echo: message \d"$/.test(line))).toHaveLength(3)
  expectOutcome(
    'kuboRelay',
    dialer.stdout.some(line => line.startsWith('direct connection after')) ? 'direct' : 'relayed',
    connected
  )
})
