// A small internet in network namespaces (root only), for the NAT tier. A "wan" namespace holds a bridge that
// public hosts and home routers hang off; each home is a router namespace that forwards between its own LAN
// bridge and the wan with NAT66 (ip6tables MASQUERADE) and drops unsolicited inbound traffic, with hosts
// behind it. Nothing here is connected to the machine's own namespace, so the lab has no route out of it.
//
// Addresses: the wan is 3fff:0:0:1::/64, in the IPv6 documentation prefix 3fff::/20 (RFC 9637: never
// routed on the internet, and not in libp2p's list of private ranges, so peers treat it as public); each
// home's LAN is a unique-local fd00:0:0:<n>::/64 (private to libp2p, as a home LAN is). No IPv4: every
// reserved IPv4 range counts as private to libp2p, and no address of the public internet is ever used.
//
// NAT kinds: "endpoint-independent" is plain MASQUERADE, which keeps a flow's source port when it is free,
// so one inside port maps to one outside port whatever the destination; "symmetric" is MASQUERADE
// --random-fully, a new random outside port per flow. Both filter by conntrack: only replies come in.
import { execFileSync } from 'node:child_process'
import { onCleanup } from './cleanup.ts'
import { startProcess, type RoleProcess } from './processes.ts'

export type NatKind = 'endpoint-independent' | 'symmetric'

export const WAN_PREFIX = '3fff:0:0:1::'

export interface LabHost {
  name: string
  namespace: string
  /** The host's own IPv6 address (on the wan for public hosts and routers, on its LAN behind a router). */
  address: string
  /** Runs a command inside the namespace to its end and returns its stdout. */
  exec: (command: string[]) => string
  /** Starts a long-running command inside the namespace (node, kubo, chromium, coturn). */
  start: (command: string[], options: { cwd: string, env?: Record<string, string>, label?: string }) => RoleProcess
}

export interface Home {
  name: string
  kind: NatKind
  /** The router: its `address` is the home's one public address, the source of everything NATed out. */
  router: LabHost
  lanPrefix: string
  addHost: (name: string) => LabHost
}

export interface Lab {
  addPublicHost: (name: string) => LabHost
  addHome: (name: string, kind: NatKind) => Home
  /** Every namespace of the lab so far (the wan's too), as hosts. */
  hosts: () => LabHost[]
  /** Every flow the router's conntrack holds now (`conntrack -L`), to show which ports a NAT mapped. */
  conntrack: (home: Home) => string[]
}

function run (command: string[]): string {
  try {
    return execFileSync(command[0]!, command.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const error = err as Error & { stderr?: string }
    throw new Error(`${command.join(' ')}: ${(error.stderr ?? error.message).trim()}`)
  }
}

let labs = 0

/** A new, empty lab; every namespace in it is removed after the test (processes in them are stopped first). */
export function createLab (): Lab {
  const tag = `${process.pid % 10_000}${String.fromCharCode(97 + (labs++ % 26))}`
  let nextWan = 0x10
  let nextHome = 1
  let nextPort = 0
  let nextNamespace = 0

  const namespace = (name: string): { namespace: string, exec: (command: string[]) => string } => {
    const ns = `lfn-${tag}-${nextNamespace++}-${name}`
    run(['ip', 'netns', 'add', ns])
    onCleanup(`remove namespace ${ns}`, () => run(['ip', 'netns', 'delete', ns]))
    const exec = (command: string[]): string => run(['ip', 'netns', 'exec', ns, ...command])
    exec(['ip', 'link', 'set', 'lo', 'up'])
    // addresses are usable at once (no duplicate address detection) and nothing listens for router adverts
    exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.default.accept_ra=0'])
    return { namespace: ns, exec }
  }

  const all: LabHost[] = []
  const host = (name: string, ns: { namespace: string, exec: (command: string[]) => string }, address: string): LabHost => {
    const made: LabHost = {
      name,
      namespace: ns.namespace,
      address,
      exec: ns.exec,
      start: (command, options) => startProcess(['ip', 'netns', 'exec', ns.namespace, ...command], { ...options, label: options.label ?? `${name}: ${command.join(' ')}` })
    }
    all.push(made)
    return made
  }

  /** A veth from `inside` (named `device` there) to a port on `bridge` in `outside`. */
  const cable = (inside: string, device: string, outside: { namespace: string, exec: (command: string[]) => string }, bridge: string): void => {
    const port = `p${nextPort++}`
    run(['ip', 'link', 'add', 'name', device, 'netns', inside, 'type', 'veth', 'peer', 'name', port, 'netns', outside.namespace])
    outside.exec(['ip', 'link', 'set', port, 'master', bridge, 'up'])
  }

  const wan = namespace('wan')
  wan.exec(['ip', 'link', 'add', 'wan', 'type', 'bridge'])
  wan.exec(['ip', 'link', 'set', 'wan', 'up'])
  host('wan', wan, '')

  const addPublicHost = (name: string): LabHost => {
    const ns = namespace(name)
    const address = `${WAN_PREFIX}${(nextWan++).toString(16)}`
    cable(ns.namespace, 'eth0', wan, 'wan')
    ns.exec(['ip', '-6', 'addr', 'add', `${address}/64`, 'dev', 'eth0', 'nodad'])
    ns.exec(['ip', 'link', 'set', 'eth0', 'up'])
    return host(name, ns, address)
  }

  const addHome = (name: string, kind: NatKind): Home => {
    const index = nextHome++
    const lanPrefix = `fd00:0:0:${index}::`
    const routerNs = namespace(`${name}-rt`)
    const wanAddress = `${WAN_PREFIX}${(nextWan++).toString(16)}`
    cable(routerNs.namespace, 'wan', wan, 'wan')
    routerNs.exec(['ip', '-6', 'addr', 'add', `${wanAddress}/64`, 'dev', 'wan', 'nodad'])
    routerNs.exec(['ip', 'link', 'set', 'wan', 'up'])
    routerNs.exec(['ip', 'link', 'add', 'lan', 'type', 'bridge'])
    routerNs.exec(['ip', '-6', 'addr', 'add', `${lanPrefix}1/64`, 'dev', 'lan', 'nodad'])
    routerNs.exec(['ip', 'link', 'set', 'lan', 'up'])
    routerNs.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1'])
    const rules: string[][] = [
      ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...kind === 'symmetric' ? ['--random-fully'] : []],
      ['-P', 'FORWARD', 'DROP'],
      ['-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'ACCEPT'],
      ['-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
      // neighbour discovery must reach the router, or nothing on the wan finds its address
      ['-A', 'INPUT', '-i', 'wan', '-p', 'ipv6-icmp', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-i', 'wan', '-j', 'DROP']
    ]
    for (const rule of rules) routerNs.exec(['ip6tables', '-w', ...rule])
    const router = host(`${name} router`, routerNs, wanAddress)
    let nextHost = 0x10
    return {
      name,
      kind,
      router,
      lanPrefix,
      addHost: (hostName: string): LabHost => {
        const ns = namespace(`${name}-${hostName}`)
        const address = `${lanPrefix}${(nextHost++).toString(16)}`
        cable(ns.namespace, 'eth0', routerNs, 'lan')
        ns.exec(['ip', '-6', 'addr', 'add', `${address}/64`, 'dev', 'eth0', 'nodad'])
        ns.exec(['ip', 'link', 'set', 'eth0', 'up'])
        ns.exec(['ip', '-6', 'route', 'add', 'default', 'via', `${lanPrefix}1`])
        return host(hostName, ns, address)
      }
    }
  }

  return {
    addPublicHost,
    addHome,
    hosts: () => [...all],
    conntrack: home => home.router.exec(['conntrack', '-L', '-f', 'ipv6']).split('\n').filter(Boolean)
  }
}
