// Speed-up (TUNED=1): Bitswap sends its want-list at once instead of 10 ms after the last want.
// What it changes: `sendMessagesDelay: 0` for the node's Bitswap (src/node.ts `bitswap` option).
// Upstream: Bitswap 1.x (@helia/block-brokers 3) waits 10 ms after each want before sending the want-list, to
// batch wants; OrbitDB replicates a log entry by entry (each entry names the next), so a replica paid those
// 10 ms on every round trip. Measured (scripts/bench/NOTES.md): a 1-block fetch took about 16 ms on loopback,
// 10 of them this wait. 1.x's WantList reads the option though its types do not declare it.
// `pnpm bench orbitdb-v2` shows its rows with and without.
import type { bitswap } from '@helia/block-brokers'

type BitswapOptions = NonNullable<Parameters<typeof bitswap>[0]>

export const tunedBitswap: BitswapOptions & { sendMessagesDelay: number } = { sendMessagesDelay: 0 }
