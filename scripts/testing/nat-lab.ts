// A small internet in network namespaces (root only), for the NAT tier. A "wan" namespace holds a bridge that
// public hosts and home routers hang off; each home is a router namespace that forwards between its own LAN
// bridge and the wan with NAT66 (ip6tables MASQUERADE) and drops unsolicited inbound traffic, with hosts
// behind it. Nothing here is connected to the machine's own namespace, so the lab has no route out of it.
//
// Addresses, dual-stack, never of the public internet: the wan is 3fff:0:0:1::/64, in the IPv6 documentation
// prefix 3fff::/20 (RFC 9637: never routed on the internet, and not in libp2p's list of private ranges, so
// peers treat it as public), and 100.64.0.0/24 (shared address space, RFC 6598, as a carrier's network
// would be). Each home's LAN is fd00:0:0:<n>::/64 and 192.168.<n>.0/24. libp2p counts every reserved IPv4
// range as private, so its hole punching works with the IPv6 side only; WebRTC and TURN use either.
//
// NAT kinds: "endpoint-independent" is plain MASQUERADE, which keeps a flow's source port when it is free,
// so one inside port maps to one outside port whatever the destination; "symmetric" is MASQUERADE
// --random-fully, a new random outside port per flow. Both filter by conntrack: only replies come in.
// "firewall" is how many homes get IPv6 today: no NAT66, the home's own routed prefix 3fff:0:0:1<n>::/64,
// and the same stateful filter (IPv4 is NATed as endpoint-independent). A router can also offer UPnP IGD
// (miniupnpd): hosts behind it may then ask it for port mappings and, over IPv6, firewall pinholes.
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { onCleanup, tempDir } from './cleanup.ts'
import { run } from './netns.ts'
import { startProcess, type RoleProcess } from './processes.ts'

export type NatKind = 'endpoint-independent' | 'symmetric' | 'firewall'

export const WAN_PREFIX = '3fff:0:0:1::'
export const WAN_PREFIX4 = '100.64.0.'
/** Per-namespace files that `ip netns exec` mounts over /etc (here: hosts). */
const NETNS_ETC = '/etc/netns'

export interface LabHost {
  name: string
  namespace: string
  /** The host's own IPv6 address (on the wan for public hosts and routers, on its LAN behind a router). */
  address: string
  /** Its IPv4 address, likewise. */
  address4: string
  /** Runs a command inside the namespace to its end and returns its stdout. */
  exec: (command: string[]) => string
  /** Starts a long-running command inside the namespace (node, kubo, chromium, coturn). */
  start: (
    command: string[],
    options: { cwd: string, env?: Record<string, string>, label?: string, stdin?: 'pipe' | 'ignore' }
  ) => RoleProcess
}

export interface Home {
  name: string
  kind: NatKind
  /** The router: its `address` is the home's one public address, the source of everything NATed out. */
  router: LabHost
  lanPrefix: string
  lanPrefix4: string
  addHost: (name: string) => LabHost
  /**
   * Starts miniupnpd on the router (UPnP IGD v2 on the LAN; NAT-PMP off), allowing mappings and IPv6
   * pinholes for its LAN's ports 1024-65535; resolves once it listens. Stopped with the lab.
   */
  startUpnp: () => Promise<RoleProcess>
}

export interface Lab {
  addPublicHost: (name: string) => LabHost
  addHome: (name: string, kind: NatKind) => Home
  /**
   * Gives `address` a host name in every namespace of the lab (their own /etc/hosts, which `ip netns exec`
   * mounts over the machine's): WebRTC stacks take STUN and TURN servers by name more readily than by an
   * IPv6 literal (libdatachannel's URL parser stops at the literal's first colon).
   */
  addName: (name: string, address: string) => void  // call once per address: a name may have an IPv4 and an IPv6 one
  /** Every namespace of the lab so far (the wan's too), as hosts. */
  hosts: () => LabHost[]
  /** Every flow the router's conntrack holds now (`conntrack -L`), to show which ports a NAT mapped. */
  conntrack: (home: Home) => string[]
}

let labs = 0

/**
 * miniupnpd on a router: its own chains in front of the router's filter (as its iptables_init.sh sets them
 * up), a config in a temporary file, in the foreground with its log on stderr.
 */
async function startUpnp (
  router: { namespace: string, exec: (command: string[]) => string },
  lanPrefix4: string
): Promise<RoleProcess> {
  for (const tool of ['iptables-legacy', 'ip6tables-legacy']) {
    router.exec([tool, '-w', '-N', 'MINIUPNPD'])
    router.exec([tool, '-w', '-I', 'FORWARD', '-i', 'wan', '!', '-o', 'wan', '-j', 'MINIUPNPD'])
  }
  router.exec(['iptables-legacy', '-w', '-t', 'nat', '-N', 'MINIUPNPD'])
  router.exec(['iptables-legacy', '-w', '-t', 'nat', '-I', 'PREROUTING', '-i', 'wan', '-j', 'MINIUPNPD'])
  router.exec(['iptables-legacy', '-w', '-t', 'nat', '-N', 'MINIUPNPD-POSTROUTING'])
  router.exec(['iptables-legacy', '-w', '-t', 'nat', '-I', 'POSTROUTING', '-o', 'wan', '-j', 'MINIUPNPD-POSTROUTING'])
  const dir = await tempDir('liftoff-miniupnpd-')
  const config = join(dir, 'miniupnpd.conf')
  writeFileSync(
    config,
    [
      'ext_ifname=wan', 'ext_ifname6=wan', 'listening_ip=lan', 'http_port=5000', 'enable_upnp=yes', 'enable_natpmp=no',
      'secure_mode=yes', 'system_uptime=yes', 'force_igd_desc_v1=no', `uuid=${randomUUID()}`,
      `allow 1024-65535 ${lanPrefix4}0/24 1024-65535`, 'deny 0-65535 0.0.0.0/0 0-65535', ''
    ].join('\n')
  )
  const role = startProcess(
    ['ip', 'netns', 'exec', router.namespace, 'miniupnpd', '-d', '-f', config, '-P', join(dir, 'pid')],
    { cwd: dir, label: `${router.namespace}: miniupnpd` }
  )
  onCleanup('stop miniupnpd', async () => {
    await role.stop('SIGTERM')
  })
  await role.waitForLine(/HTTP listening on port 5000/, 10_000, 'stderr')
  return role
}

/** A new, empty lab; every namespace in it is removed after the test (processes in them are stopped first). */
export function createLab (): Lab {
  const tag = `${process.pid % 10_000}${String.fromCharCode(97 + (labs++ % 26))}`
  let nextWan = 0x10
  let nextHome = 1
  let nextPort = 0
  let nextNamespace = 0

  const names: Array<[string, string]> = []
  const namespaces: string[] = []
  const writeHosts = (ns: string): void => {
    const dir = join(NETNS_ETC, ns)
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'hosts'),
      `127.0.0.1 localhost\n::1 localhost\n${names.map(([name, address]) => `${address} ${name}\n`).join('')}`
    )
  }

  const namespace = (name: string): { namespace: string, exec: (command: string[]) => string } => {
    const ns = `lfn-${tag}-${nextNamespace++}-${name}`
    run(['ip', 'netns', 'add', ns])
    onCleanup(`remove namespace ${ns}`, () => {
      run(['ip', 'netns', 'delete', ns])
      rmSync(join(NETNS_ETC, ns), { recursive: true, force: true })
    })
    namespaces.push(ns)
    writeHosts(ns)
    const exec = (command: string[]): string => run(['ip', 'netns', 'exec', ns, ...command])
    exec(['ip', 'link', 'set', 'lo', 'up'])
    // addresses are usable at once (no duplicate address detection) and nothing listens for router adverts
    exec([
      'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.default.accept_ra=0'
    ])
    return { namespace: ns, exec }
  }

  const all: LabHost[] = []
  const host = (
    name: string,
    ns: { namespace: string, exec: (command: string[]) => string },
    address: string,
    address4: string
  ): LabHost => {
    const made: LabHost = {
      name,
      namespace: ns.namespace,
      address,
      address4,
      exec: ns.exec,
      start: (command, options) =>
        startProcess(['ip', 'netns', 'exec', ns.namespace, ...command], {
          ...options,
          label: options.label ?? `${name}: ${command.join(' ')}`
        })
    }
    all.push(made)
    return made
  }

  /** A veth from `inside` (named `device` there) to a port on `bridge` in `outside`. */
  const cable = (
    inside: string,
    device: string,
    outside: { namespace: string, exec: (command: string[]) => string },
    bridge: string
  ): void => {
    const port = `p${nextPort++}`
    run([
      'ip', 'link', 'add', 'name', device, 'netns', inside, 'type', 'veth', 'peer', 'name', port, 'netns',
      outside.namespace
    ])
    outside.exec(['ip', 'link', 'set', port, 'master', bridge, 'up'])
  }

  const wan = namespace('wan')
  wan.exec(['ip', 'link', 'add', 'wan', 'type', 'bridge'])
  wan.exec(['ip', 'link', 'set', 'wan', 'up'])
  host('wan', wan, '', '')

  // routes to the firewall homes' prefixes, which every namespace on the wan needs (NATed homes need none)
  const routed: Array<{ prefix: string, via: string }> = []
  const onWan: Array<{ exec: (command: string[]) => string, self: string }> = []
  const addRoutes = (ns: { exec: (command: string[]) => string }, routes: typeof routed, self: string): void => {
    for (const route of routes) {
      if (route.via !== self) ns.exec(['ip', '-6', 'route', 'add', `${route.prefix}/64`, 'via', route.via])
    }
  }

  /** Cables `ns` to the wan as `dev`, with the next wan addresses (IPv6 and IPv4). */
  const plugIntoWan = (
    ns: { namespace: string, exec: (command: string[]) => string }, dev: string
  ): { address: string, address4: string } => {
    const index = nextWan++
    const address = `${WAN_PREFIX}${index.toString(16)}`
    const address4 = `${WAN_PREFIX4}${index}`
    cable(ns.namespace, dev, wan, 'wan')
    ns.exec(['ip', '-6', 'addr', 'add', `${address}/64`, 'dev', dev, 'nodad'])
    ns.exec(['ip', 'addr', 'add', `${address4}/24`, 'dev', dev])
    ns.exec(['ip', 'link', 'set', dev, 'up'])
    return { address, address4 }
  }

  const addPublicHost = (name: string): LabHost => {
    const ns = namespace(name)
    const { address, address4 } = plugIntoWan(ns, 'eth0')
    addRoutes(ns, routed, address)
    onWan.push({ exec: ns.exec, self: address })
    return host(name, ns, address, address4)
  }

  const addHome = (name: string, kind: NatKind): Home => {
    const index = nextHome++
    const lanPrefix = kind === 'firewall' ? `3fff:0:0:1${index.toString(16).padStart(2, '0')}::` : `fd00:0:0:${index}::`
    const lanPrefix4 = `192.168.${index}.`
    const routerNs = namespace(`${name}-rt`)
    const { address: wanAddress, address4: wanAddress4 } = plugIntoWan(routerNs, 'wan')
    routerNs.exec(['ip', 'link', 'add', 'lan', 'type', 'bridge'])
    routerNs.exec(['ip', '-6', 'addr', 'add', `${lanPrefix}1/64`, 'dev', 'lan', 'nodad'])
    routerNs.exec(['ip', 'addr', 'add', `${lanPrefix4}1/24`, 'dev', 'lan'])
    routerNs.exec(['ip', 'link', 'set', 'lan', 'up'])
    routerNs.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.ip_forward=1'])
    addRoutes(routerNs, routed, wanAddress)
    onWan.push({ exec: routerNs.exec, self: wanAddress })
    if (kind === 'firewall') {
      const route = { prefix: lanPrefix, via: wanAddress }
      routed.push(route)
      for (const other of onWan) addRoutes(other, [route], other.self)
    }
    const masquerade = [
      '-t',
      'nat',
      '-A',
      'POSTROUTING',
      '-o',
      'wan',
      '-j',
      'MASQUERADE',
      ...(kind === 'symmetric' ? ['--random-fully'] : [])
    ]
    const rules: string[][] = [
      masquerade,
      ['-P', 'FORWARD', 'DROP'],
      ['-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'ACCEPT'],
      [
        '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'
      ],
      ['-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'wan', '-j', 'DROP']
    ]
    // a firewall home's router may offer UPnP: miniupnpd-iptables writes its rules through libiptc, into
    // the legacy tables, and an accept there does not outweigh a drop in the nf_tables ones, so such a
    // router keeps all its rules in the legacy tables
    const [iptables, ip6tables] =
      kind === 'firewall' ? ['iptables-legacy', 'ip6tables-legacy'] : ['iptables', 'ip6tables']
    for (const rule of rules) routerNs.exec([iptables, '-w', ...rule])
    // neighbour discovery must reach the router, or nothing on the wan finds its IPv6 address (ARP is not IP)
    rules.splice(-1, 0, ['-A', 'INPUT', '-i', 'wan', '-p', 'ipv6-icmp', '-j', 'ACCEPT'])
    for (const rule of rules) if (kind !== 'firewall' || rule !== masquerade) routerNs.exec([ip6tables, '-w', ...rule])
    const router = host(`${name} router`, routerNs, wanAddress, wanAddress4)
    let nextHost = 0x10
    return {
      name,
      kind,
      router,
      lanPrefix,
      lanPrefix4,
      addHost: (hostName: string): LabHost => {
        const ns = namespace(`${name}-${hostName}`)
        const hostIndex = nextHost++
        const address = `${lanPrefix}${hostIndex.toString(16)}`
        cable(ns.namespace, 'eth0', routerNs, 'lan')
        ns.exec(['ip', '-6', 'addr', 'add', `${address}/64`, 'dev', 'eth0', 'nodad'])
        ns.exec(['ip', 'addr', 'add', `${lanPrefix4}${hostIndex}/24`, 'dev', 'eth0'])
        ns.exec(['ip', 'link', 'set', 'eth0', 'up'])
        ns.exec(['ip', '-6', 'route', 'add', 'default', 'via', `${lanPrefix}1`])
        ns.exec(['ip', 'route', 'add', 'default', 'via', `${lanPrefix4}1`])
        return host(hostName, ns, address, `${lanPrefix4}${hostIndex}`)
      },
      startUpnp: async () => {
        if (kind !== 'firewall') throw new Error('only a firewall home\'s router offers UPnP in this lab')
        return startUpnp(routerNs, lanPrefix4)
      }
    }
  }

  return {
    addPublicHost,
    addHome,
    hosts: () => [...all],
    addName: (name, address) => {
      names.push([name, address])
      for (const ns of namespaces) writeHosts(ns)
    },
    conntrack: home =>
      ['ipv4', 'ipv6'].flatMap(family =>
        home.router.exec(['conntrack', '-L', '-f', family]).split('\n').filter(Boolean)
      )
  }
}
