// Speed-up (TUNED=1): Bitswap sends its want-list at once instead of 10 ms after the last want.
// What it changes: `sendWantlistDebounce: 0` for the node's Bitswap (src/node.ts `bitswap` option).
// Upstream: @helia/bitswap waits 10 ms after each want before sending the want-list, to batch wants; OrbitDB
// replicates a log entry by entry (each entry names the next), so a replica paid those 10 ms on every round
// trip. Measured (BENCHMARKS.md): a second peer held 1,000 entries in under 3 s instead of about 4.5 s; the
// Helia example sets it to 0 for the same reason. `pnpm bench orbitdb-v4` shows its rows with and without.
import type { bitswap } from '@helia/block-brokers'

export const tunedBitswap: Parameters<typeof bitswap>[0] = { sendWantlistDebounce: 0 }
