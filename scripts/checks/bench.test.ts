// Each benchmark runs once at a tiny size, as `pnpm bench` runs it (its own process): proof that it works,
// not a measurement (no timing is asserted).
import { afterEach, test } from 'vitest'
import { BENCHMARKS } from '../bench.ts'
import { expectTinyBenchWorks } from '../testing/bench.ts'
import { stopAllProcesses } from '../testing/processes.ts'

afterEach(stopAllProcesses)

test.each(Object.keys(BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  await expectTinyBenchWorks(name)
})
