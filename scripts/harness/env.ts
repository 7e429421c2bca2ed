// The harness's reading of the environment: each bad value is one line that names the variable.
// Every example keeps an equal copy in src/run/env.ts (scripts/checks/harness.test.ts compares them), so
// an example stays standalone and the helpers are still written once: edit scripts/harness/env.ts, then
// run `node scripts/harness.ts --write`.
import { inspect } from 'node:util'

export type Env = Record<string, string | undefined>

/** The variable's trimmed text, or the fallback when it is unset or blank. */
export function text (env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? fallback : value
}

/** A comma-separated list; unset or blank gives the fallback. */
export function list (env: Env, name: string, fallback: string[]): string[] {
  const value = env[name]
  if (value === undefined || value.trim() === '') return fallback
  return value.split(',').map(item => item.trim()).filter(item => item !== '')
}

export function positiveInteger (env: Env, name: string, fallback: number): number {
  const value = env[name]
  if (value === undefined || value.trim() === '') return fallback
  const number = Number(value)
  if (!Number.isSafeInteger(number) || number <= 0) {
    throw new Error(`${name} must be a positive integer, got "${value}"`)
  }
  return number
}

export function flag (env: Env, name: string, fallback: boolean): boolean {
  const value = env[name]?.trim().toLowerCase()
  if (value === undefined || value === '') return fallback
  if (['true', '1', 'yes'].includes(value)) return true
  if (['false', '0', 'no'].includes(value)) return false
  throw new Error(`${name} must be true or false, got "${env[name]}"`)
}

/** A host:port such as 127.0.0.1:9464 or [::1]:9464; unset or blank gives undefined. */
export function hostAndPort (env: Env, name: string): { host: string, port: number } | undefined {
  const value = env[name]?.trim()
  if (value === undefined || value === '') return undefined
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value)
  if (match === null || Number(match[2]) > 65535) {
    throw new Error(`${name} must look like 127.0.0.1:9464, got "${value}"`)
  }
  return { host: match[1]!, port: Number(match[2]) }
}

/** An error as one line: libp2p explains some failures over several lines with stacks, and not all are Errors. */
export function oneLine (err: unknown): string {
  const message = err instanceof Error ? err.message || err.name : inspect(err, { depth: 0, breakLength: Infinity })
  return message.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('at ')).join(' ')
}
