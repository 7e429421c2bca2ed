// A home router that offers UPnP IGD v2 (Debian's miniupnpd): IPv6 routed to the home behind a firewall that
// drops unsolicited inbound traffic, IPv4 from a carrier's range (100.64.0.0/10), as many homes get them.
// The listener runs @libp2p/upnp-nat; then the trial of what it would take to make the listener reachable.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { createLab } from '../testing/nat-lab.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { expectOutcome } from './outcomes.ts'
import { startListener, startRelay } from './peers.ts'

afterEach(terminateAllProcesses)

const scriptsDir = import.meta.dirname
const TRIAL_PORT = 4002

test("a UPnP router with routed IPv6 and a carrier's IPv4: @libp2p/upnp-nat finds it and maps nothing; asked " +
  'directly, the router opens an IPv6 pinhole and a wan host gets in', async () => {
  const lab = createLab()
  const relayHost = lab.addPublicHost('relay')
  const relay = await startRelay(relayHost)
  const home = lab.addHome('a', 'firewall')
  const upnp = await home.startUpnp()
  const listenerHost = home.addHost('listener')
  const listener = await startListener(listenerHost, relay.address, { UPNP: '1', DEBUG: 'libp2p:upnp-nat*' })
  // upnp-nat asks the gateway for its external (IPv4) address before it maps anything, IPv6 included
  const stopped = await listener.role.waitForLine(/upnp-nat.*error finding gateways - \w+: .*/, 30_000, 'stderr')
  expect(upnp.stderr.filter(line => /AddPinhole|AddPortMapping/.test(line))).toEqual([])
  // no mapping means something only because the router was asked: it logged the search, the SOAP call and its answer
  await upnp.waitForLine(
    /SSDP M-SEARCH from \S+ ST: urn:schemas-upnp-org:device:InternetGatewayDevice:2$/,
    10_000,
    'stderr'
  )
  await upnp.waitForLine(
    /SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:2#GetExternalIPAddress$/,
    10_000,
    'stderr'
  )
  await upnp.waitForLine(
    /private\/reserved address 100\.64\.\d+\.\d+ is not suitable for external IP$/,
    10_000,
    'stderr'
  )
  // at least one announcement, and every one of them confirms no public address
  await listener.role.waitForLine(/^announcing /)
  const announcing = listener.role.stdout.filter(line => line.startsWith('announcing '))
  expect(announcing.length).toBeGreaterThan(0)
  expect(
    announcing.filter(
      line =>
        !/^announcing \d+ addresses; public addresses confirmed: none \(reachable through the relay only\)$/.test(line)
    )
  ).toEqual([])
  expectOutcome(
    'upnpListener',
    'not confirmed',
    `listener: ${stopped.replace(/^\S+ /, '').slice(0, 200)}; miniupnpd got no AddPinhole or AddPortMapping`
  )

  // the trial: a TCP server on the listener's host, dialled from the wan before and after a pinhole
  const server = listenerHost.start([process.execPath, join(scriptsDir, 'observe.ts'), 'server', String(TRIAL_PORT)], {
    cwd: scriptsDir,
    label: 'observer'
  })
  await server.waitForLine(/^LISTENING/)
  const dial = (): string =>
    relayHost
      .exec([
        process.execPath,
        join(scriptsDir, 'observe.ts'),
        'dial',
        `[${listenerHost.address}]:${TRIAL_PORT}`,
        '2000'
      ])
      .trim()
  const before = dial()
  expect(before).toMatch(/^no answer in 2000 ms$/)
  const pinhole = listenerHost.start(
    [process.execPath, join(scriptsDir, 'pinhole.ts'), String(TRIAL_PORT), listenerHost.address],
    { cwd: scriptsDir, label: 'pinhole' }
  )
  const mapping = JSON.parse((await pinhole.waitForLine(/^PINHOLE \{/, 20_000)).slice('PINHOLE '.length)) as {
    internalHost: string
  }
  await expectExit(pinhole, 0)
  expect(mapping.internalHost).toBe(listenerHost.address)
  expect(upnp.stderr).toContainEqual(
    expect.stringMatching(
      new RegExp(`AddPinhole: \\(inbound\\) from \\[\\]:0 to \\[${listenerHost.address}\\]:${TRIAL_PORT} with proto 6`)
    )
  )
  const after = dial()
  expect(after).toMatch(/^sees /)
  expect(after).toContain(relayHost.address)
  expectOutcome(
    'upnpPinholeTrial',
    after.includes('sees') ? 'reachable' : 'not confirmed',
    `before the pinhole: ${before}; AddPinhole for port ${TRIAL_PORT}, then: ${after}`
  )
})
