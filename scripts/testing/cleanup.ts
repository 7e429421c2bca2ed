// Everything a test (or a benchmark case) starts or creates is registered here and undone after the test,
// newest first, each with a deadline so a hung stop() fails that test instead of hanging the suite.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { within } from './processes.ts'

const STOP_DEADLINE_MS = 10_000
const cleanups: Array<{ what: string, undo: () => unknown }> = []

/** Undoes everything registered so far, newest first: after each test, or after each case of a benchmark. */
export async function runCleanups (): Promise<void> {
  const errors: Error[] = []
  for (const { what, undo } of cleanups.splice(0).reverse()) {
    await within(Promise.resolve(undo()), STOP_DEADLINE_MS, what).catch((err: Error) => errors.push(err))
  }
  if (errors.length > 0) throw new AggregateError(errors, errors.map(error => error.message).join('; '))
}

// in a test run, after each test. Outside a test runner (a benchmark, even one a test spawned, which
// inherits the runner's environment) vitest refuses the hook, and the benchmark calls runCleanups itself.
try {
  afterEach(runCleanups)
} catch {}

/** Runs `undo` after the current test; `what` names it in the timeout error. */
export function onCleanup (what: string, undo: () => unknown): void {
  cleanups.push({ what, undo })
}

export async function tempDir (prefix = 'liftoff-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  // retried: a node's file datastore can still be finishing a write its stop() did not wait for
  // (libp2p's peer store after the last connection closed), and rmdir then meets ENOTEMPTY
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }))
  return dir
}
