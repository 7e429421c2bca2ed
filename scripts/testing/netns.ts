// Test hosts in network namespaces (root only): a bridge in this namespace, and per host a namespace with
// a veth whose far end is on the bridge, each with its own address in 10.77.0.0/24. Links can be shaped:
// a rate (tbf, both directions), random loss (iptables statistic, inbound on the host) and a delay, which
// this kernel's qdiscs cannot add (no sch_netem here), so a delaying TCP relay (delay-relay.ts) sits in
// front of a server. Everything made here is torn down after the test.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { recordSetting } from '../lib/host-record.ts'
import { onCleanup } from './cleanup.ts'
import { startProcess, type RoleProcess } from './processes.ts'

const BRIDGE = 'lf-br0'
const SUBNET = '10.77.0'
let nextHost = 2
let liveHosts = 0

/** Runs a command (no shell); its stderr, or the error, is the thrown message. */
export function run (args: string[]): string {
  try {
    return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const error = err as Error & { stderr?: string }
    throw new Error(`${args.join(' ')}: ${(error.stderr ?? error.message).trim()}`)
  }
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables'
/** The kernel's setting before the bridge was made, set back when the bridge goes. */
let bridgeNfBefore: string | undefined

function ensureBridge (): void {
  if (run(['ip', '-o', 'link', 'show']).includes(`${BRIDGE}:`)) return
  run(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'])
  run(['ip', 'addr', 'add', `${SUBNET}.1/24`, 'dev', BRIDGE])
  run(['ip', 'link', 'set', BRIDGE, 'up'])
  // bridged frames must not go through this namespace's iptables (Docker's FORWARD policy may be DROP);
  // the setting is recorded (clean:host restores it after a crash) and set back with the bridge
  if (existsSync(BRIDGE_NF)) {
    bridgeNfBefore = readFileSync(BRIDGE_NF, 'utf8').trim()
    if (bridgeNfBefore !== '0') {
      recordSetting('faults', 'net.bridge.bridge-nf-call-iptables', bridgeNfBefore)
      run(['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0'])
    }
  }
}

function removeBridge (): void {
  run(['ip', 'link', 'delete', BRIDGE])
  if (bridgeNfBefore !== undefined && bridgeNfBefore !== '0') {
    run(['sysctl', '-q', '-w', `net.bridge.bridge-nf-call-iptables=${bridgeNfBefore}`])
  }
}

export interface TestHost {
  name: string
  namespace: string
  address: string
  /** The veth end on the bridge (traffic towards the host leaves through it). */
  bridgePort: string
  /** The host's own veth end, inside its namespace. */
  device: string
  /** `node <script>` inside the host's namespace. */
  start: (script: string[], options: { cwd: string, env?: Record<string, string>, label?: string }) => RoleProcess
  /** Any program inside the host's namespace (a Kubo daemon). */
  startCommand: (
    command: string[],
    options: { cwd: string, env?: Record<string, string>, label?: string }
  ) => RoleProcess
  /** Runs a command inside the namespace and returns its stdout. */
  exec: (args: string[]) => string
}

/** A new host on the test bridge; removed after the test. */
export function createHost (name: string): TestHost {
  ensureBridge()
  const index = nextHost++
  const namespace = `lf-${name}-${process.pid % 10_000}`
  const address = `${SUBNET}.${index}`
  const bridgePort = `lfv${index}b`
  const inside = `lfv${index}h`
  run(['ip', 'netns', 'add', namespace])
  liveHosts++
  onCleanup(`remove namespace ${namespace}`, () => {
    run(['ip', 'netns', 'delete', namespace])
    try { run(['ip', 'link', 'delete', bridgePort]) } catch { /* gone with the namespace */ }
    if (--liveHosts === 0) removeBridge()
  })
  run(['ip', 'link', 'add', bridgePort, 'type', 'veth', 'peer', 'name', inside])
  run(['ip', 'link', 'set', inside, 'netns', namespace])
  run(['ip', 'link', 'set', bridgePort, 'master', BRIDGE])
  run(['ip', 'link', 'set', bridgePort, 'up'])
  const exec = (args: string[]): string => run(['ip', 'netns', 'exec', namespace, ...args])
  exec(['ip', 'link', 'set', 'lo', 'up'])
  exec(['ip', 'addr', 'add', `${address}/24`, 'dev', inside])
  exec(['ip', 'link', 'set', inside, 'up'])
  return {
    name,
    namespace,
    address,
    bridgePort,
    device: inside,
    exec,
    // `ip netns exec` execs the command, so the process we hold (and signal) is the program itself
    start: (script, options) =>
      startProcess(['ip', 'netns', 'exec', namespace, process.execPath, ...script], {
        ...options,
        label: options.label ?? `${name}: ${script.join(' ')}`
      }),
    startCommand: (command, options) =>
      startProcess(['ip', 'netns', 'exec', namespace, ...command], {
        ...options,
        label: options.label ?? `${name}: ${command.join(' ')}`
      })
  }
}

export interface LinkShape { rateMbit?: number, lossPercent?: number }

/** Shapes the host's link: rate both ways (tbf on each veth end), random inbound loss (iptables in the host). */
export function shapeLink (host: TestHost, shape: LinkShape): void {
  if (shape.rateMbit !== undefined) {
    const tbf = ['tbf', 'rate', `${shape.rateMbit}mbit`, 'burst', '32kbit', 'latency', '400ms']
    host.exec(['tc', 'qdisc', 'add', 'dev', host.device, 'root', ...tbf])
    run(['tc', 'qdisc', 'add', 'dev', host.bridgePort, 'root', ...tbf])
  }
  if (shape.lossPercent !== undefined) {
    host.exec([
      'iptables',
      '-A',
      'INPUT',
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(shape.lossPercent / 100),
      '-j',
      'DROP'
    ])
  }
}

/** Cuts the host off (its link down) until `heal`. */
export function partition (host: TestHost): { heal: () => void } {
  run(['ip', 'link', 'set', host.bridgePort, 'down'])
  return { heal: () => run(['ip', 'link', 'set', host.bridgePort, 'up']) }
}

/**
 * A relay in `host` that forwards 127.0.0.1:<port> (inside the host) to `target` with `delayMs` added to
 * each direction: the host's processes dial the relay instead of the target.
 */
export async function delayRelay (
  host: TestHost,
  target: { address: string, port: number },
  delayMs: number
): Promise<number> {
  const relay = host.start([join(import.meta.dirname, 'delay-relay.ts')], {
    cwd: import.meta.dirname,
    env: { TARGET: `${target.address}:${target.port}`, DELAY_MS: String(delayMs) },
    label: `${host.name}: delay relay to ${target.address}:${target.port}`
  })
  onCleanup('stop the delay relay', () => relay.stop('SIGKILL'))
  const line = await relay.waitForLine(/^LISTENING \d+$/)
  return Number(line.split(' ')[1])
}
