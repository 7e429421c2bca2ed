// Moved to src/run/config.ts; kept for scripts/faults/kill.test.ts until it imports it from there.
export { readClientConfig } from './run/config.ts'
