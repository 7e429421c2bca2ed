// The benchmarks in headless Chromium run once at a tiny size, as `pnpm bench` runs them (their
// own process): proof that they work, not a measurement (no timing is asserted).
import { afterEach, expect, test } from 'vitest'
import { BROWSER_BENCHMARKS } from '../bench.ts'
import { expectTinyBenchWorks } from '../testing/bench.ts'
import { stopAllProcesses } from '../testing/processes.ts'

afterEach(stopAllProcesses)

test.each(Object.keys(BROWSER_BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  expect((await expectTinyBenchWorks(name)).length).toBeGreaterThan(4)
})
