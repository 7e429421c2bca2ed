// The NAT example's roles (peers/libp2p/nat) started on lab hosts, as users run them: one process each,
// inside the host's namespace, configured by environment variables.
import { join } from 'node:path'
import { onCleanup, tempDir } from '../testing/cleanup.ts'
import { waitForReady, type RoleProcess } from '../testing/processes.ts'
import type { Home, Lab, LabHost } from '../testing/nat-lab.ts'

export const exampleDir = join(import.meta.dirname, '..', '..', 'peers', 'libp2p', 'nat')
export const PORT = 4001

/** Listen addresses on every IPv6 address of the host, TCP and QUIC on one port number. */
export const listenAll = (port = PORT): string => `/ip6/::/tcp/${port},/ip6/::/udp/${port}/quic-v1`

export interface RelayReady { peerId: string, multiaddrs: string[] }
export interface ListenerReady { peerId: string, circuit: string, webrtc: string, multiaddrs: string[] }

const node = (
  host: LabHost,
  script: string,
  env: Record<string, string>,
  label: string,
  stdin: 'pipe' | 'ignore' = 'ignore'
): RoleProcess =>
  host.start([process.execPath, join('src', script)], { cwd: exampleDir, env, label: `${host.name}: ${label}`, stdin })

/** The relay on a public host; its TCP address on the wan is the one peers are given. */
export async function startRelay (
  host: LabHost,
  env: Record<string, string> = {}
): Promise<{ role: RoleProcess, ready: RelayReady, address: string }> {
  // libp2p 3 announces a public address only once AutoNAT has confirmed it (other peers dialled it back), or
  // when it is announced: a relay is the first peer on the network, so it announces its own
  const own = `/ip6/${host.address}`
  const role = node(host, 'relay.ts', {
    LISTEN_ADDRS: `${listenAll()},/ip6/::/tcp/${PORT + 1}/ws`,
    ANNOUNCE_ADDRS: `${own}/tcp/${PORT},${own}/udp/${PORT}/quic-v1,${own}/tcp/${PORT + 1}/ws`,
    ...env
  }, 'relay')
  const ready = await waitForReady<RelayReady>(role, 30_000)
  const address = ready.multiaddrs.find(candidate => candidate.startsWith(`/ip6/${host.address}/tcp/${PORT}/`))
  if (address === undefined) {
    throw new Error(`the relay announces no TCP address on ${host.address}: ${ready.multiaddrs.join(' ')}`)
  }
  return { role, ready, address }
}

export async function startListener (
  host: LabHost,
  relay: string,
  env: Record<string, string> = {}
): Promise<{ role: RoleProcess, ready: ListenerReady }> {
  const role = node(host, 'listener.ts', { RELAY_ADDR: relay, LISTEN_ADDRS: listenAll(), ...env }, 'listener')
  return { role, ready: await waitForReady<ListenerReady>(role, 40_000) }
}

/** The dialer; with STDIN_MESSAGES=1 in `env` its stdin is a pipe the test writes messages to. */
export function startDialer (host: LabHost, listener: string, env: Record<string, string> = {}): RoleProcess {
  return node(
    host,
    'dialer.ts',
    { LISTENER_ADDR: listener, LISTEN_ADDRS: listenAll(), ...env },
    'dialer',
    env.STDIN_MESSAGES === '1' ? 'pipe' : 'ignore'
  )
}

export const STUN_NAME = 'stun.lab'
export const TURN_USER = 'liftoff'
export const TURN_PASSWORD = 'nat-lab-only'

/**
 * coturn on a public host: STUN on :3478, and TURN with a user and password (long-term credentials). `stun`
 * and `turn` name it (node-datachannel parses no IPv6 literal); `stunLiteral` and `turnLiteral` give its
 * IPv6 address (Chromium in the lab resolves no names for ICE: "701 STUN host lookup received error").
 */
export async function startCoturn (
  lab: Lab,
  host: LabHost
): Promise<{ role: RoleProcess, stun: string, turn: string, stunLiteral: string, turnLiteral: string }> {
  const db = join(await tempDir('liftoff-coturn-'), 'turndb')
  // -v prints when its UDP listener is open; its own database in a temporary folder, not /var/lib/turn
  const role = host.start(
    [
      'turnserver',
      '-n',
      '-v',
      '--db',
      db,
      '--listening-port',
      '3478',
      ...[host.address4, host.address].flatMap(address => ['--listening-ip', address, '--relay-ip', address]),
      // peers in private ranges are refused, as coturn's docs advise for any TURN server (it would relay into its
      // own networks); here it also keeps coturn from relaying to a page's private host candidates, which it
      // cannot route and answers by closing the allocation
      '--denied-peer-ip=192.168.0.0-192.168.255.255',
      '--denied-peer-ip=fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--lt-cred-mech',
      '--user',
      `${TURN_USER}:${TURN_PASSWORD}`,
      '--realm',
      'liftoff.lab',
      '--log-file',
      'stdout',
      '--simple-log',
      '--pidfile',
      '/dev/null'
    ],
    { cwd: exampleDir, label: `${host.name}: coturn` }
  )
  onCleanup('stop coturn', async () => role.stop('SIGKILL'))
  // one line per listening address; the IPv6 one comes last
  await role.waitForLine(new RegExp(`IPv6\\. UDP listener opened on: ${host.address}:`))
  lab.addName(STUN_NAME, host.address4)
  lab.addName(STUN_NAME, host.address)
  return {
    role,
    stun: `stun:${STUN_NAME}:3478`,
    turn: `turn:${TURN_USER}:${TURN_PASSWORD}@${STUN_NAME}:3478`,
    stunLiteral: `stun:[${host.address}]:3478`,
    turnLiteral: `turn:${TURN_USER}:${TURN_PASSWORD}@[${host.address}]:3478`
  }
}

/**
 * The router's public address with the port its peer listens on: what a user behind a port-preserving NAT announces for
 * DCUtR.
 */
export const announced = (home: Home, transport: 'tcp' | 'quic', port = PORT): string =>
  `/ip6/${home.router.address}/${transport === 'tcp' ? 'tcp' : 'udp'}/${port}${transport === 'quic' ? '/quic-v1' : ''}`

/**
 * Flows the router tracked from its LAN to the other home's router, as "proto inside-port → outside-port →
 * destination:port".
 */
export function flowsTo (
  lab: Lab,
  home: Home,
  other: Home,
  protocol: 'tcp' | 'udp'
): Array<{ insidePort: number, outsidePort: number, to: string, replied: boolean }> {
  return lab
    .conntrack(home)
    .filter(line => line.startsWith(protocol) && line.includes(`dst=${other.router.address} `))
    .map(line => {
      const ports = [...line.matchAll(/sport=(\d+) dport=(\d+)/g)].map(
        match => [Number(match[1]), Number(match[2])] as const
      )
      return {
        insidePort: ports[0]![0],
        outsidePort: ports[1]![1],
        to: `[${other.router.address}]:${ports[0]![1]}`,
        replied: !line.includes('[UNREPLIED]')
      }
    })
}
