// The benchmarks against Kubo and real Bacalhau run once at a tiny size, as `pnpm bench` runs them (their
// own process): proof that they work, not a measurement (no timing is asserted).
import { afterEach, expect, test } from 'vitest'
import { INTEROP_BENCHMARKS } from '../bench.ts'
import { expectTinyBenchWorks } from '../testing/bench.ts'
import { terminateAllProcesses } from '../testing/processes.ts'

afterEach(terminateAllProcesses)

test.each(Object.keys(INTEROP_BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  expect((await expectTinyBenchWorks(name)).length).toBeGreaterThan(1)
})
