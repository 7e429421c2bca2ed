// Yamux tuned for bulk transfer: opt in with TUNED=1 (src/run/config.ts), or pass `yamux: yamuxTuning` to createNode.
// What it changes: 1 MiB frames instead of Yamux's 64 KiB (half the per-frame work), and a 16 MiB stream window
// from the start instead of 256 KiB grown on demand (no slow window growth on a fresh stream).
// The upstream behaviour it answers: @chainsafe/libp2p-yamux 6 defaults suit many small streams, so one bulk
// stream spends its time framing and waiting for window updates.
// Measured (BENCHMARKS.md, `pnpm bench libp2p-v1`, the "library defaults" and "shipped tuning" rows): one TCP
// stream 104 → 137 MiB/s, one WebSocket stream 67 → 83 MiB/s on loopback.
// Compatible with any Yamux peer: these only bound what this side sends and buffers.
import type { YamuxMuxerInit } from '@chainsafe/libp2p-yamux'

// #region settings
export const yamuxTuning: YamuxMuxerInit = {
  maxMessageSize: 1024 * 1024,
  initialStreamWindowSize: 16 * 1024 * 1024,
  maxStreamWindowSize: 16 * 1024 * 1024
}
// #endregion
