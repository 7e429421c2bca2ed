// Moved to src/run/bacalhau.ts (harness: real Bacalhau for `pnpm dev` and the interop tests); this keeps the
// repo's scripts/bench.ts import working until it points there.
export { BACALHAU_VERSION, findBinaries, startRealBacalhau, type Binaries, type RealBacalhau } from './run/bacalhau.ts'
