// `pnpm bench nat` (root): the NAT example's roles, and Kubo where it is built, in the NAT tier's lab
// (scripts/testing/nat-lab.ts), each peer its own process in its own namespace as users run them. Per NAT
// pair and transport: in how many of N fresh dialers (new peer, new process, the routers' flows between the
// homes forgotten) the connection ended direct, and the time from the dialer's start to it; then bulk throughput over a
// relayed and over a direct (WebRTC) connection, beside raw TCP on loopback in the same run.
import { existsSync } from 'node:fs'
import { runCleanups } from '../testing/cleanup.ts'
import { createLab, type Home, type Lab, type NatKind } from '../testing/nat-lab.ts'
import { terminateAllProcesses, type RoleProcess } from '../testing/processes.ts'
import { kuboBinary, kuboUntil, startLabKubo } from '../nat/kubo.ts'
import { announced, PORT, startCoturn, startDialer, startListener, startRelay } from '../nat/peers.ts'
import { firstLine, MiB, median, rawTcpThroughput, round, type BenchResult, type Scale } from './measure.ts'

interface Outcome { direct: boolean, ms?: number, /** why the try could not even reach the listener */ failed?: string }

/** Runs `work` in a fresh lab and tears the lab down after, whatever happens. */
async function inLab<T> (work: (lab: Lab) => Promise<T>): Promise<T> {
  try {
    return await work(createLab())
  } finally {
    await terminateAllProcesses()
    await runCleanups()
  }
}

/**
 * Forgets the routers' flows between the two homes (each try starts without a mapping the last one made);
 * their flows to the relay stay.
 */
function forgetBetween (homes: Home[]): void {
  for (const home of homes) {
    for (const other of homes.filter(candidate => candidate !== home)) {
      // conntrack -D exits 1 when nothing matched
      try { home.router.exec(['conntrack', '-D', '-f', 'ipv6', '--orig-dst', other.router.address]) } catch {}
    }
  }
}

/** The dialer's own account: direct (and after how many ms from its start) or not. */
function dialerOutcome (dialer: RoleProcess): Outcome {
  const line = dialer.stdout
    .find(candidate => /^(direct connection after|connected after) \d+ ms: direct over /.test(candidate))
  return line === undefined ? { direct: false } : { direct: true, ms: Number(/after (\d+) ms/.exec(line)![1]) }
}

/**
 * Each try's dialer listens on a port of its own: a fresh peer on the previous one's address and port would
 * meet the listener's state for that 4-tuple (a QUIC connection not yet timed out, a TCP TIME_WAIT), which
 * no real second peer would.
 */
const dialerPort = (attempt: number): number => PORT + 10 + attempt

interface JsCase { name: string, kind: NatKind, via: 'webrtc' | 'tcp' | 'quic' }

async function jsTries (spec: JsCase, tries: number): Promise<Outcome[]> {
  return inLab(async lab => {
    const [relay, ice] = await Promise.all([
      startRelay(lab.addPublicHost('relay')), startCoturn(lab, lab.addPublicHost('stun'))
    ])
    const homes = [lab.addHome('a', spec.kind), lab.addHome('b', spec.kind)]
    const via = spec.via
    const webrtc = via === 'webrtc'
    const env = (home: Home, port = PORT): Record<string, string> => via === 'webrtc'
      ? { ICE_SERVERS: ice.stun }
      : {
          LISTEN_ADDRS: via === 'tcp' ? `/ip6/::/tcp/${port}` : `/ip6/::/udp/${port}/quic-v1`,
          APPEND_ANNOUNCE: announced(home, via, port)
        }
    const listener = await startListener(homes[0]!.addHost('listener'), relay.address, env(homes[0]!))
    const dialerHost = homes[1]!.addHost('dialer')
    const outcomes: Outcome[] = []
    for (let attempt = 0; attempt < tries; attempt++) {
      forgetBetween(homes)
      const address = webrtc ? listener.ready.webrtc : listener.ready.circuit
      const dialer = startDialer(dialerHost, address, {
        ...env(homes[1]!, dialerPort(attempt)), DIRECT_TIMEOUT_MS: '8000', MESSAGES: '1'
      })
      await dialer.exited
      outcomes.push(dialerOutcome(dialer))
    }
    return outcomes
  })
}

async function kuboTries (tries: number): Promise<Outcome[]> {
  return inLab(async lab => {
    const relay = await startRelay(lab.addPublicHost('relay'))
    const homes = [lab.addHome('a', 'endpoint-independent'), lab.addHome('b', 'endpoint-independent')]
    const options = (home: Home, port = PORT) => ({
      port,
      relays: [relay.address],
      reachability: 'private' as const,
      appendAnnounce: [announced(home, 'tcp', port), announced(home, 'quic', port)]
    })
    const listener = await startLabKubo(homes[0]!.addHost('listener'), options(homes[0]!))
    const relayed = (output: string): string | undefined => output.split('\n')
      .find(line => line.includes('/p2p-circuit'))?.replace(/\/p2p-circuit.*$/, '/p2p-circuit')
    const circuit = await kuboUntil(listener, ['id', '-f', '<addrs>'], relayed, 30_000,
      'the listening Kubo takes a reservation')
    const dialerHost = homes[1]!.addHost('dialer')
    const outcomes: Outcome[] = []
    for (let attempt = 0; attempt < tries; attempt++) {
      forgetBetween(homes)
      const started = performance.now()
      const dialer = await startLabKubo(dialerHost, options(homes[1]!, dialerPort(attempt)))
      try {
        dialer.cli(['swarm', 'connect', `${circuit}/p2p/${listener.peerId}`])
        const directLine = (output: string): string | undefined => output.split('\n')
          .find(line => line.endsWith(`/p2p/${listener.peerId}`) && !line.includes('/p2p-circuit'))
        const direct = await kuboUntil(dialer, ['swarm', 'peers'], directLine, 15_000, 'a direct connection')
          .catch(() => undefined)
        const ms = Math.round(performance.now() - started)
        outcomes.push(direct === undefined ? { direct: false } : { direct: true, ms })
      } catch (err) {
        // the relayed dial itself failed: a try that never got to punch, counted apart
        outcomes.push({ direct: false, failed: firstLine(err).slice(-160) })
      }
      await dialer.role.stop('SIGTERM')
    }
    return outcomes
  })
}

function successRow (name: string, outcomes: Outcome[]): BenchResult {
  const times = outcomes.flatMap(outcome => outcome.ms === undefined ? [] : [outcome.ms])
  const direct = times.length
  const failed = outcomes.filter(outcome => outcome.failed !== undefined)
  return {
    bench: 'nat',
    case: `${name}: direct in ${direct} of ${outcomes.length} tries`,
    value: round(100 * direct / outcomes.length, 1),
    unit: '% direct',
    failures: failed.length,
    detail: {
      tries: outcomes.length,
      direct,
      ...(direct > 0
        ? { 'ms to direct (median)': median(times), 'min ms': Math.min(...times), 'max ms': Math.max(...times) }
        : {}),
      ...(failed.length > 0 ? { 'relayed dial failed': failed[0]!.failed! } : {})
    }
  }
}

/** Bulk echo from a fresh dialer through the relay (stays relayed) and over WebRTC (direct), EIM NATs. */
async function throughput (bytes: number, runs: number): Promise<{ relayed: number[], direct: number[] }> {
  return inLab(async lab => {
    // a relay that lets bulk through (its default limit is 128 KiB per relayed connection)
    const [relay, ice] = await Promise.all([
      startRelay(lab.addPublicHost('relay'), { RELAY_LIMIT_BYTES: String(64 * bytes), RELAY_LIMIT_SECONDS: '600' }),
      startCoturn(lab, lab.addPublicHost('stun'))
    ])
    const homes = [lab.addHome('a', 'endpoint-independent'), lab.addHome('b', 'endpoint-independent')]
    const listener = await startListener(homes[0]!.addHost('listener'), relay.address, { ICE_SERVERS: ice.stun })
    const dialerHost = homes[1]!.addHost('dialer')
    const rates = { relayed: [] as number[], direct: [] as number[] }
    for (let run = 0; run < runs; run++) {
      for (const [kind, address] of [['relayed', listener.ready.circuit], ['direct', listener.ready.webrtc]] as const) {
        const dialer = startDialer(dialerHost, address, {
          ICE_SERVERS: ice.stun, DIRECT_TIMEOUT_MS: '1000', MESSAGES: '1', ECHO_BYTES: String(bytes)
        })
        const exit = await dialer.exited
        const echoed = `echoed ${bytes} bytes ${kind === 'relayed' ? 'relayed' : 'direct over webrtc'}`
        const line = dialer.stdout.find(candidate => candidate.startsWith(echoed))
        if (exit.code !== 0 || line === undefined) {
          throw new Error(`${kind} echo: exit ${exit.code}; ${dialer.stderr.join(' ').slice(0, 300)}`)
        }
        rates[kind].push(Number(/: ([\d.]+) MiB\/s each way$/.exec(line)![1]))
      }
    }
    return rates
  })
}

export async function benchNat (scale: Scale): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    throw new Error('bench nat needs root: it builds its lab out of network namespaces (as the NAT tier does)')
  }
  const full = scale === 'full'
  // the runs of `pnpm bench` (BENCH_RUNS) repeat all of this; the tries inside are the sample
  const tries = full ? 20 : 1
  const bytes = full ? 8 * MiB : 256 * 1024
  const results: BenchResult[] = []
  const cases: JsCase[] = [
    { name: 'js ↔ js, WebRTC + STUN, endpoint-independent NATs', kind: 'endpoint-independent', via: 'webrtc' },
    { name: 'js ↔ js, QUIC + DCUtR, endpoint-independent NATs', kind: 'endpoint-independent', via: 'quic' },
    { name: 'js ↔ js, TCP + DCUtR, endpoint-independent NATs', kind: 'endpoint-independent', via: 'tcp' },
    { name: 'js ↔ js, WebRTC + STUN, symmetric NATs', kind: 'symmetric', via: 'webrtc' }
  ]
  for (const spec of cases) results.push(successRow(spec.name, await jsTries(spec, tries)))
  if (existsSync(kuboBinary())) {
    results.push(successRow('Kubo ↔ Kubo, DCUtR (QUIC/TCP), endpoint-independent NATs', await kuboTries(tries)))
  } else {
    console.error(`bench nat: no Kubo at ${kuboBinary()} (node scripts/liftoff.mjs build:peers): ` +
      'Kubo ↔ Kubo not measured')
  }

  const raw = await rawTcpThroughput(bytes, 1, MiB)
  const rates = await throughput(bytes, full ? 3 : 1)
  for (const [kind, samples] of Object.entries(rates)) {
    const value = round(median(samples))
    results.push({
      bench: 'nat',
      case: `echo ${bytes / 1024} KiB each way, ` +
        `${kind === 'relayed' ? 'relayed by the js relay (TCP)' : 'direct over WebRTC'}, ` +
        `endpoint-independent NATs (median of ${samples.length})`,
      value,
      unit: 'MiB/s',
      baseline: raw,
      ratio: round(value / raw, 4),
      detail: { min: Math.min(...samples), max: Math.max(...samples) }
    })
  }
  return results
}
