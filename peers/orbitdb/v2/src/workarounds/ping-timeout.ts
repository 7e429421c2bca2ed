// Upstream: libp2p 1.9's connection monitor pings every connection every 10 s and aborts it when a ping
// takes over 2 s; its timeout is meant to adapt to the connection but never does in 1.9 (fixed in 2.x).
// A server busy joining entries answered late, and writers awaiting it were cut off mid-request.
// What it does: a 30 s floor for the ping timeout. Effect: correctness under load (test/processes.test.ts:
// a connection outlives a server that does not answer for 3 s).
// Canary: test/workarounds.test.ts fails once 1.9's default outlives that 3 s stall.
import type { Libp2pOptions } from 'libp2p'

export const patientPings: NonNullable<Libp2pOptions['connectionMonitor']> = { pingTimeout: { minTimeout: 30_000 } }
