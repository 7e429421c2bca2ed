// Workaround (always on): a 30 s floor for libp2p 1.9's ping timeout, so a busy peer keeps its connections.
// The bug: libp2p 1.9's connection monitor pings every connection every 10 s and aborts it when a ping takes
// over 2 s. Its timeout is an AdaptiveTimeout that 1.9 never feeds a measurement (ConnectionMonitor never
// calls its cleanUp), so it stays at its 2 s floor; libp2p 3 feeds it. Effect without it: under load (20
// writers pushing 10,000 entries) the server, busy joining, answered late and 7 writers failed their `await`
// with `Read aborted`; with it, a dead peer is noticed up to 30 s later (test/processes.test.ts pauses the
// server for 3 s and uses the connection afterwards). Canary: test/workarounds.test.ts.
import type { Libp2pOptions } from 'libp2p'

export const patientPings: NonNullable<Libp2pOptions['connectionMonitor']> = { pingTimeout: { minTimeout: 30_000 } }
