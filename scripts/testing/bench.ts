// Runs one benchmark at a tiny size in its own process, as `pnpm bench` runs it, and checks what it reports:
// proof that it works, not a measurement (no timing is asserted).
import { join } from 'node:path'
import { expect } from 'vitest'
import type { BenchResult } from '../bench/measure.ts'
import { expectExit, startProcess } from './processes.ts'

export async function expectTinyBenchWorks (name: string): Promise<BenchResult[]> {
  const repoRoot = join(import.meta.dirname, '..', '..')
  const bench = startProcess(['node', join(repoRoot, 'scripts', 'bench.ts'), '--tiny', name], {
    cwd: repoRoot,
    label: `bench ${name}`
  })
  await expectExit(bench, 0)
  const results = bench.stdout.filter(line => line.startsWith('{')).map(line => JSON.parse(line) as BenchResult)
  expect(results.length).toBeGreaterThan(0)
  for (const result of results) {
    expect(result.bench).toBe(name)
    expect(
      Number.isFinite(result.value) && result.value > 0,
      `${result.case}: ${result.value} ${JSON.stringify(result.detail ?? {})}`
    ).toBe(true)
    if (result.baseline !== undefined) expect(result.ratio).toBeCloseTo(result.value / result.baseline, 2)
  }
  expect(bench.stdout.join('\n')).toMatch(/\| bench \| case \| result \|/)
  return results
}
