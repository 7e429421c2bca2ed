// The lab itself, proved before anything runs in it: what each kind of NAT does to a flow's ports, that
// routers drop what nobody inside asked for, and that no namespace of the lab has a route out of it.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { createLab, type LabHost } from '../testing/nat-lab.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { expectOutcome } from './outcomes.ts'

afterEach(terminateAllProcesses)
const observe = join(import.meta.dirname, 'observe.ts')
const PORT = 3478

async function observer (host: LabHost): Promise<string> {
  const server = host.start([process.execPath, observe, 'server', String(PORT)], { cwd: import.meta.dirname })
  await server.waitForLine(/^LISTENING$/)
  return `[${host.address}]:${PORT}`
}

/** What each server saw as the source of one UDP socket bound to `localPort` on `host`. */
async function seenFrom (host: LabHost, localPort: number, servers: string[]): Promise<string[]> {
  const client = host.start([process.execPath, observe, 'client', String(localPort), ...servers], {
    cwd: import.meta.dirname
  })
  await expectExit(client, 0)
  return client.stdout.map(line => line.split(' sees ')[1]!)
}

/** One TCP connection from `from` to `to`: what the server saw, or "no answer in 1500 ms". */
async function dial (from: LabHost, to: string): Promise<string> {
  const client = from.start([process.execPath, observe, 'dial', to, '1500'], { cwd: import.meta.dirname })
  await expectExit(client, 0)
  return client.stdout.join('\n')
}

test('behind an endpoint-independent NAT one inside port keeps one outside port (its own) for every destination; ' +
  'behind a symmetric NAT each destination sees another port', async () => {
  const lab = createLab()
  const servers = await Promise.all([observer(lab.addPublicHost('obs-a')), observer(lab.addPublicHost('obs-b'))])
  const eim = lab.addHome('eim', 'endpoint-independent')
  const symmetric = lab.addHome('sym', 'symmetric')
  expect(await seenFrom(eim.addHost('peer'), 40_001, servers)).toEqual([
    `${eim.router.address}:40001`,
    `${eim.router.address}:40001`
  ])
  const [first, second] = await seenFrom(symmetric.addHost('peer'), 40_001, servers)
  expect(first!.startsWith(`${symmetric.router.address}:`) && second!.startsWith(`${symmetric.router.address}:`)).toBe(
    true
  )
  expect(first).not.toBe(second)
})

test("routers drop what nobody inside asked for: a public host dialling a home's address gets no answer, while " +
  'public hosts reach each other', async () => {
  const lab = createLab()
  const target = await observer(lab.addPublicHost('server'))
  const outsider = lab.addPublicHost('outsider')
  const home = lab.addHome('home', 'endpoint-independent')
  const inside = home.addHost('peer')
  await observer(inside)
  expect(await dial(outsider, target)).toMatch(new RegExp(`^sees ${outsider.address}:\\d+$`))
  expect(await dial(inside, target)).toMatch(new RegExp(`^sees ${home.router.address}:\\d+$`))
  expect(await dial(outsider, `[${home.router.address}]:${PORT}`)).toBe('no answer in 1500 ms')
})

test('a firewall home routes IPv6 without NAT (a wan host sees the inside ' +
  'address) and still drops what nobody inside asked for', async () => {
  const lab = createLab()
  const outsider = lab.addPublicHost('outsider')
  const target = await observer(lab.addPublicHost('server'))
  const home = lab.addHome('home', 'firewall')
  const inside = home.addHost('peer')
  await observer(inside)
  expect(inside.address.startsWith('3fff:0:0:1')).toBe(true)
  expect(await dial(inside, target)).toMatch(new RegExp(`^sees ${inside.address}:\\d+$`))
  expect(await dial(outsider, `[${inside.address}]:${PORT}`)).toBe('no answer in 1500 ms')
})

test('no namespace of the lab has a route out of it: routes only to the lab\'s own prefixes, IPv4 and IPv6', () => {
  const lab = createLab()
  lab.addPublicHost('relay')
  const home = lab.addHome('home', 'symmetric')
  const peer = home.addHost('peer')
  expect(peer.exec(['ip', '-6', 'route', 'get', '2001:db8::1'])).toMatch(/via fd00:0:0:\d+::1 /)
  expect(peer.exec(['ip', 'route', 'get', '192.0.2.1'])).toMatch(/via 192\.168\.\d+\.1 /)
  for (const host of lab.hosts()) {
    const routes = [
      ...host.exec(['ip', '-6', 'route', 'show']).split('\n'),
      ...host.exec(['ip', '-4', 'route', 'show']).split('\n')
    ].filter(Boolean)
    for (const route of routes) {
      expect(route, `${host.name}: ${route}`).toMatch(
        new RegExp(String.raw`^(3fff:0:0:1::/64|fd00:0:0:\d+::/64|fe80::/64|default via fd00:0:0:\d+::1|` +
          String.raw`100\.64\.0\.0/24|192\.168\.\d+\.0/24|default via 192\.168\.\d+\.1) `)
      )
    }
    // documentation addresses stand for the rest of the internet: only a home host has a way towards them,
    // its router, which has none
    if (routes.some(route => route.startsWith('default'))) continue
    expect(() => host.exec(['ip', '-6', 'route', 'get', '2001:db8::1']), host.name).toThrow(/unreachable/)
    expect(() => host.exec(['ip', 'route', 'get', '192.0.2.1']), host.name).toThrow(/unreachable/)
  }
})

test('the fix DCUtR needs, tried with plain UDP: behind endpoint-independent NATs two peers that send at once from ' +
  'the port they listen on hear each other; sending from fresh ports (as js-libp2p dials), neither does', async () => {
  const lab = createLab()
  const [a, b] = [lab.addHome('a', 'endpoint-independent'), lab.addHome('b', 'endpoint-independent')]
  const [hostA, hostB] = [a.addHost('peer'), b.addHost('peer')]
  const punch = async (from: 'same' | 'fresh'): Promise<string[]> => {
    const sides = [
      [hostA, b],
      [hostB, a]
    ] as const
    const roles = sides.map(([host, other]) =>
      host.start([process.execPath, observe, 'punch', '4001', from, `[${other.router.address}]:4001`, '3000'], {
        cwd: import.meta.dirname
      })
    )
    await Promise.all(roles.map(async role => expectExit(role, 0)))
    return roles.map(role => role.stdout.join('\n'))
  }
  const fromListeningPort = await punch('same')
  expect(fromListeningPort).toEqual([
    expect.stringMatching(/^heard \d+ packets from /),
    expect.stringMatching(/^heard \d+ packets from /)
  ])
  const fromFreshPorts = await punch('fresh')
  expect(fromFreshPorts).toEqual([
    expect.stringMatching(/^heard nothing from /),
    expect.stringMatching(/^heard nothing from /)
  ])
  expectOutcome(
    'udpFromListeningPort',
    'direct',
    `from port 4001: ${fromListeningPort.join('; ')}; from fresh ports: ${fromFreshPorts.join('; ')}`
  )
})
