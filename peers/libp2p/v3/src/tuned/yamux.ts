// TUNED (opt-in: TUNED=1, read in src/run/config.ts, or pass `yamux: yamuxTuning` to createNode): Yamux for bulk
// transfer.
// What it changes: a stream starts with a 16 MiB receive window instead of 256 KiB grown on demand, so a sender
// never stalls while the window grows; frames of up to 1 MiB instead of 64 KiB; and the read buffer limit grows
// with the window (left at its 4 MiB default, a fast sender overflows it).
// The upstream behaviour it answers: @chainsafe/libp2p-yamux 8's defaults suit many small streams, so one bulk
// stream spends its time framing and waiting for window updates. The cost: up to 16 MiB buffered per stream.
// Measured (BENCHMARKS.md, `pnpm bench libp2p-v3`, the "library defaults" and "yamux tuning" rows): one TCP
// stream 186 → 204 MiB/s, one WebSocket stream 100 → 115 MiB/s, both peers in one process on loopback.
// Compatible with any Yamux peer: these only bound what this side sends and buffers.
import type { YamuxMuxerInit } from '@chainsafe/libp2p-yamux'

// #region settings
export const yamuxTuning: YamuxMuxerInit = {
  maxMessageSize: 1024 * 1024,
  streamOptions: {
    initialStreamWindowSize: 16 * 1024 * 1024,
    maxStreamWindowSize: 16 * 1024 * 1024,
    maxReadBufferLength: 16 * 1024 * 1024
  }
}
// #endregion
