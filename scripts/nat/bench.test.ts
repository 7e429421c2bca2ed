// `pnpm bench nat` at a token size (one try per case, 256 KiB echoes), as `pnpm bench` runs it: proof that
// the benchmark works and that its cases agree with the outcome table, not a measurement.
import { join } from 'node:path'
import { expect, test } from 'vitest'
import type { BenchResult } from '../bench/measure.ts'
import { expectExit, startProcess } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

test('bench nat runs every case and reports finite results: WebRTC through endpoint-independent NATs direct, js ' +
  'DCUtR and symmetric WebRTC not, Kubo ↔ Kubo measured', async () => {
  const bench = startProcess(['node', join(repoRoot, 'scripts', 'bench.ts'), '--tiny', 'nat'], {
    cwd: repoRoot,
    label: 'bench nat'
  })
  await expectExit(bench, 0)
  const rows = bench.stdout.filter(line => line.startsWith('{')).map(line => JSON.parse(line) as BenchResult)
  for (const row of rows) expect(Number.isFinite(row.value) && row.value >= 0, `${row.case}: ${row.value}`).toBe(true)
  const percent = (prefix: string): number | undefined => rows.find(row => row.case.startsWith(prefix))?.value
  expect({
    webrtc: percent('js ↔ js, WebRTC + STUN, endpoint-independent'),
    quic: percent('js ↔ js, QUIC + DCUtR'),
    tcp: percent('js ↔ js, TCP + DCUtR'),
    symmetric: percent('js ↔ js, WebRTC + STUN, symmetric')
  }).toEqual({ webrtc: 100, quic: 0, tcp: 0, symmetric: 0 })
  // Kubo ↔ Kubo goes direct in about half of many tries (BENCHMARKS.md's notes): one try proves the row is measured
  expect(rows.find(row => row.case.startsWith('Kubo ↔ Kubo'))?.detail?.tries).toBe(1)
  const echoes = rows.filter(row => row.unit === 'MiB/s')
  expect(echoes.map(row => row.case.replace(/^echo \d+ KiB each way, ([^,]+),.*$/, '$1'))).toEqual([
    'relayed by the js relay (TCP)',
    'direct over WebRTC'
  ])
  for (const row of echoes) expect(row.value > 0 && row.baseline! > 0).toBe(true)
}, 300_000)
