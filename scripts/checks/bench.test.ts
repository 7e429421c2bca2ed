// Each benchmark runs once at a tiny size: proof that it works, not a measurement (no timing asserted).
import { expect, test } from 'vitest'
import { BENCHMARKS } from '../bench.ts'

test.each(Object.keys(BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  const results = await BENCHMARKS[name]!('tiny')
  expect(results.length).toBeGreaterThan(0)
  for (const result of results) {
    expect(result.bench).toBe(name)
    expect(Number.isFinite(result.value) && result.value > 0, `${result.case}: ${result.value}`).toBe(true)
    if (result.baseline !== undefined) expect(result.ratio).toBeCloseTo(result.value / result.baseline, 2)
  }
})
