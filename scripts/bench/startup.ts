// Start-up: the README's main demo command, from launch to the first echoed message (after install).
import { join } from 'node:path'
import { startProcess } from '../testing/processes.ts'
import { round, timed, type BenchResult, type Scale } from './measure.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

export async function benchStartup (_scale: Scale): Promise<BenchResult[]> {
  // The same command the README gives; with the toolchain in place it installs nothing.
  const { ms } = await timed(async () => {
    const demo = startProcess(['node', join(repoRoot, 'scripts', 'liftoff.mjs'), 'dev'], { cwd: repoRoot, label: 'main demo' })
    await demo.waitForLine(/returned intact/, 60_000)
    const exit = await demo.exited
    if (exit.code !== 0) throw new Error(`the main demo exited with ${exit.code ?? exit.signal}`)
  })
  return [{ bench: 'startup', case: 'node scripts/liftoff.mjs dev: launch → first echoed message', value: round(ms, 0), unit: 'ms' }]
}
