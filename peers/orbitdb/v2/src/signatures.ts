// Moved to src/tuned/signatures.ts; this re-export stays until scripts/bench/load-worker.ts imports it there.
export { nativeSigner, useNativeSignatures, verifyNative } from './tuned/signatures.ts'
