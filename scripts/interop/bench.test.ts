// The benchmarks against Kubo and real Bacalhau run once at a tiny size, as `pnpm bench` runs them (their
// own process): proof that they work, not a measurement (no timing is asserted).
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { INTEROP_BENCHMARKS } from '../bench.ts'
import type { BenchResult } from '../bench/measure.ts'
import { startProcess, terminateAllProcesses } from '../testing/processes.ts'

afterEach(terminateAllProcesses)

test.each(Object.keys(INTEROP_BENCHMARKS))('benchmark %s runs and reports finite results', async name => {
  const bench = startProcess(['node', join(import.meta.dirname, '..', 'bench.ts'), '--tiny', name], { cwd: join(import.meta.dirname, '..', '..'), label: `bench ${name}` })
  expect((await bench.exited).code, bench.stderr.join('\n')).toBe(0)
  const results = bench.stdout.filter(line => line.startsWith('{')).map(line => JSON.parse(line) as BenchResult)
  expect(results.length).toBeGreaterThan(1)
  for (const result of results) {
    expect(result.bench).toBe(name)
    expect(Number.isFinite(result.value) && result.value > 0, `${result.case}: ${result.value}`).toBe(true)
    if (result.baseline !== undefined) expect(result.ratio).toBeCloseTo(result.value / result.baseline, 2)
  }
})
