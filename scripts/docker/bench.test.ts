// The docker benchmark runs once at a tiny size (one image, one server), as `pnpm bench docker` runs it:
// proof that it works, not a measurement (no timing is asserted).
import { expect, test } from 'vitest'
import { DOCKER_BENCHMARKS } from '../bench.ts'
import { expectTinyBenchWorks } from '../testing/bench.ts'

test.each(Object.keys(DOCKER_BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  expect((await expectTinyBenchWorks(name)).length).toBeGreaterThan(3)
})
