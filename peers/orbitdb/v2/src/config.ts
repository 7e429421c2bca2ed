// Moved to src/run/config.ts; this re-export stays until scripts/faults/kill.test.ts imports it there.
export { readClientConfig, readServerConfig } from './run/config.ts'
