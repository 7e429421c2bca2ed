// `pnpm bench load` once at a tiny size, as it runs (its own process, real server processes, separate
// client processes): proof that it works and that nothing failed, not a measurement.
import { afterEach, expect, test } from 'vitest'
import { expectTinyBenchWorks } from '../testing/bench.ts'
import { terminateAllProcesses } from '../testing/processes.ts'

afterEach(terminateAllProcesses)

test('benchmark load runs, reports every server, and no operation failed', async () => {
  const results = await expectTinyBenchWorks('load')
  expect(results.length).toBeGreaterThanOrEqual(8)
  for (const result of results) expect(result.failures, `${result.case}: ${JSON.stringify(result.detail)}`).toBe(0)
}, 600_000)
