// What connects across the lab's NATs, and how: one row per case of the NAT tier. Each test observes its
// case's outcome in the lab and asserts that it is this row's (printing the row), and the example's README
// shows this table between <!-- nat-outcomes --> markers (scripts/checks/nat-outcomes.test.ts keeps the two
// equal; `node scripts/nat/outcomes.ts --write` rewrites the README's copy).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'

export type Result = 'direct' | 'relayed' | 'no path' | 'reachable' | 'not confirmed'

export interface Outcome {
  peers: string
  nats: string
  transport: string
  result: Result
  why: string
}

export const OUTCOMES = {
  publicDirect: {
    peers: 'js ↔ js, both public',
    nats: 'none',
    transport: 'TCP',
    result: 'direct',
    why: "dialled through the relay, DCUtR's unilateral upgrade has the listener dial the dialer's public address"
  },
  autonatPublic: {
    peers: 'js, public',
    nats: 'none',
    transport: 'AutoNAT v2',
    result: 'reachable',
    why: 'the relay dials its address back; libp2p then announces it'
  },
  autonatBehindNat: {
    peers: 'js, behind NAT',
    nats: 'endpoint-independent',
    transport: 'AutoNAT v2',
    result: 'not confirmed',
    why: "the router drops the relay's dial-back to its observed QUIC address (observed TCP addresses js-libp2p " +
      'ignores); reachable through its relay reservation only'
  },
  eimTcp: {
    peers: 'js ↔ js',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'TCP + DCUtR',
    result: 'relayed',
    why: 'both dial at once, but from new ephemeral ports, not the port they listen on: neither router has a mapping ' +
      "the other's packets match"
  },
  eimQuic: {
    peers: 'js ↔ js',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'QUIC + DCUtR',
    result: 'relayed',
    why: 'the QUIC dial leaves from a new ephemeral UDP port, not the listening one'
  },
  eimWebrtc: {
    peers: 'js ↔ js',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'WebRTC, STUN',
    result: 'direct',
    why: 'ICE punches a UDP path between the two routers from the ' +
      'ports STUN saw; the peers keep talking after the relay is killed'
  },
  eimWebrtcNoStun: {
    peers: 'js ↔ js',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'WebRTC, no STUN',
    result: 'no path',
    why: 'host candidates only, both private: the dialer says so in one line'
  },
  symmetricRelay: {
    peers: 'js ↔ js',
    nats: 'symmetric ↔ symmetric',
    transport: 'TCP + QUIC + DCUtR',
    result: 'relayed',
    why: "messages flow within the relay's limits; when its limit ends the connection, the dialer says so in one line"
  },
  symmetricWebrtc: {
    peers: 'js ↔ js',
    nats: 'symmetric ↔ symmetric',
    transport: 'WebRTC, STUN',
    result: 'no path',
    why: 'each router maps every destination to another port, ' +
      'so the ports STUN saw are not the ones the peers send from'
  },
  symmetricTurn: {
    peers: 'js ↔ js',
    nats: 'symmetric ↔ symmetric',
    transport: 'WebRTC, STUN + TURN (coturn)',
    result: 'relayed',
    why: 'ICE falls back to relay candidates on coturn (long-term credentials): libp2p calls it a direct WebRTC ' +
      'connection, the routers show its packets going to coturn only'
  },
  kuboKubo: {
    peers: 'Kubo ↔ Kubo (go-libp2p)',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'QUIC/TCP + DCUtR, our relay',
    result: 'direct',
    why: "go-libp2p dials from the port it listens on (SO_REUSEPORT), so the simultaneous dials match each other's " +
      'mappings'
  },
  jsKubo: {
    peers: 'js ↔ Kubo',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'QUIC/TCP + DCUtR, our relay',
    result: 'relayed',
    why: "Kubo punches from its listening port, js from ephemeral ones: only one side's mapping is the one the other " +
      'sends to'
  },
  kuboRelay: {
    peers: 'js ↔ js through a Kubo relay',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: "circuit relay v2 (Kubo's relay service)",
    result: 'relayed',
    why: 'js peers take reservations on Kubo and talk through it; Kubo states ' +
      'its limit in seconds, as the spec says (the js relay states milliseconds)'
  },
  chromiumEim: {
    peers: 'Chromium page ↔ page',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'WebRTC, STUN',
    result: 'direct',
    why: 'ICE pairs the addresses STUN saw on both routers (srflx ⇄ srflx over UDP), signalled through the relay'
  },
  chromiumNoIce: {
    peers: 'Chromium page ↔ page',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'WebRTC, no STUN or TURN',
    result: 'no path',
    why: 'host candidates only, both private: the page says so in one line within its deadline'
  },
  chromiumSymmetricStun: {
    peers: 'Chromium page ↔ page',
    nats: 'symmetric ↔ symmetric',
    transport: 'WebRTC, STUN',
    result: 'no path',
    why: 'each router gives every destination another port, so the mapped addresses STUN saw lead nowhere'
  },
  chromiumSymmetricTurn: {
    peers: 'Chromium page ↔ page',
    nats: 'symmetric ↔ symmetric',
    transport: 'WebRTC, STUN + TURN (coturn)',
    result: 'relayed',
    why: 'ICE falls back to a relay candidate on coturn (long-term ' +
      'credentials); the data goes through TURN, not the libp2p relay'
  },
  chromiumNode: {
    peers: 'Chromium page ↔ js (Node)',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'WebRTC, STUN',
    result: 'direct',
    why: "Chromium and node-datachannel agree on a srflx pair; the Node listener's greeting reaches the page"
  },
  chromiumPublicWs: {
    peers: 'Chromium page ↔ public js (Node)',
    nats: 'endpoint-independent ↔ none',
    transport: 'WebSockets',
    result: 'direct',
    why: 'the page dials out through its router, as to any web server'
  },
  upnpListener: {
    peers: 'js, UPnP router (@libp2p/upnp-nat)',
    nats: 'firewall: routed IPv6, carrier IPv4 (100.64/10), miniupnpd',
    transport: 'UPnP IGD v2',
    result: 'not confirmed',
    why: 'finds the router over IPv4 and IPv6, then maps nothing: it asks for the external IPv4 address before any ' +
      'mapping, IPv6 pinholes too, and the router has no public one'
  },
  upnpPinholeTrial: {
    peers: 'UPnP trial (the fix upnp-nat needs)',
    nats: 'firewall: routed IPv6, carrier IPv4 (100.64/10), miniupnpd',
    transport: 'IPv6 pinhole (AddPinhole)',
    result: 'reachable',
    why: 'the same router opens a pinhole when asked for one directly (nat-port-mapper, which upnp-nat uses); a wan ' +
      "host's connection the firewall dropped before then gets in"
  },
  udpFromListeningPort: {
    peers: 'UDP trial (the fix DCUtR needs)',
    nats: 'endpoint-independent ↔ endpoint-independent',
    transport: 'UDP, simultaneous',
    result: 'direct',
    why: "sent from the ports the peers listen on, both sides' packets pass; sent from fresh ports (as js-libp2p " +
      'dials), none do'
  }
} satisfies Record<string, Outcome>

export type OutcomeId = keyof typeof OUTCOMES

/** The table as markdown. */
export function outcomeTable (): string {
  const rows = Object.values(OUTCOMES).map(
    row => `| ${row.peers} | ${row.nats} | ${row.transport} | **${row.result}** | ${row.why} |`
  )
  return ['| peers | NATs | transport | result | why |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n'
}

/** Prints the case's row with what the lab showed, and asserts that the result is the row's. */
export function expectOutcome (id: OutcomeId, observed: Result, evidence: string): void {
  const row: Outcome = OUTCOMES[id]
  console.log(`${row.peers} | ${row.nats} | ${row.transport} | ${observed}\n  evidence: ${evidence}`)
  expect(observed, `${id}: ${evidence}`).toBe(row.result)
}

export const readmeFile = join(import.meta.dirname, '..', '..', 'peers', 'libp2p', 'nat', 'README.md')
const markers = /(<!-- nat-outcomes -->\n)[\s\S]*?(<!-- \/nat-outcomes -->)/

/** The README's copy of the table (undefined without the markers). */
export function readmeTable (): string | undefined {
  return markers
    .exec(readFileSync(readmeFile, 'utf8'))?.[0]
    .replace(/^<!-- nat-outcomes -->\n|<!-- \/nat-outcomes -->$/g, '')
}

if (import.meta.main && process.argv.includes('--write')) {
  writeFileSync(readmeFile, readFileSync(readmeFile, 'utf8').replace(markers, `$1${outcomeTable()}$2`))
}
