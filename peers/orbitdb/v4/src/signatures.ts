// Moved to src/tuned/signatures.ts; kept for scripts/bench/load-worker.ts until it imports it from there.
export { useNativeSignatures } from './tuned/signatures.ts'
