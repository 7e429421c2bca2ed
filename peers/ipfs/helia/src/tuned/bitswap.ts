// Tuned Bitswap: send the want-list at once instead of waiting to batch wants.
// Upstream: @helia/bitswap waits `sendWantlistDebounce` (10 ms) after a want before sending the want-list,
// so more wants share a message. Fetching small files one after another, that wait was 10 of the ~16 ms
// each block took on loopback (scripts/bench/NOTES.md, "Helia over bitswap: where the per-block time went").
// Measured effect: one-at-a-time fetching of 1 KiB files went from 55 to about 270 blocks/s; big files and
// many files at once hardly change. `node scripts/bench.ts ipfs-helia` writes the Bitswap-defaults row beside it.
// On with TUNED=1 (src/run/config.ts); the benchmark turns it on for its tuned rows.
import type { BitswapBlockBrokerInit } from '@helia/bitswap'

export const tunedBitswap: BitswapBlockBrokerInit = {
  sendWantlistDebounce: 0
}
