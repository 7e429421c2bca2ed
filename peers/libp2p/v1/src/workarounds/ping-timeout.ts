// Workaround, on by default (connections stay up under load): libp2p 1.9's connection monitor pings every
// connection every 10 s and aborts it when the ping takes over 2 s. The monitor's timeout is an AdaptiveTimeout
// that 1.9 never feeds a measurement (ConnectionMonitor never calls its cleanUp), so it stays at its 2 s floor.
// Effect without it: under load (`pnpm bench load`, 2,000 echo streams at once) most healthy clients were reset,
// and a ping that waits behind queued stream data on a busy slow link (the faults tier) aborted a working
// connection; with it, those runs keep every connection.
// What it does: a 30 s floor for the monitor's ping, and the ping service answers for 30 s (not 10 s), up to
// four pings at once on one connection.
// Canary: test/workarounds.test.ts (with this off, one unanswered ping aborts the connection after 2 s).
// Upstream: libp2p 3 feeds the timeout (cleanUp) and has abortConnectionOnPingFailure; 1.9.4 has neither.
import type { PingServiceInit } from '@libp2p/ping'
import type { Libp2pOptions } from 'libp2p'

export const connectionMonitor: Libp2pOptions['connectionMonitor'] = { pingTimeout: { minTimeout: 30_000 } }

export const pingService: PingServiceInit = { timeout: 30_000, maxInboundStreams: 4 }
