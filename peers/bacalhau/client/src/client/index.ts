export {
  authorizationHeader, BacalhauClient,
  type Auth, type BacalhauClientOptions, type ListJobsOptions, type LogLine, type WaitOptions
} from './bacalhau-client.ts'
export { BacalhauError } from './errors.ts'
export { parseJson, stringifyJson } from './json.ts'
export { downloadResult } from './results.ts'
export * from './types.ts'
