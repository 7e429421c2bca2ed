// Start-up: the README's main demo command, from launch to the first echoed message (after install), with
// the moments in between, so a slow start shows which step it was.
import { join } from 'node:path'
import { startProcess } from '../testing/processes.ts'
import { round, type BenchResult, type Scale } from './measure.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

const STAGES: Array<{ case: string, line: RegExp }> = [
  { case: 'launch → the demo script runs (liftoff and pnpm started)', line: /^dev: starting/ },
  { case: 'launch → the server prints READY', line: /^server\s+│ READY / },
  { case: 'launch → the TCP client connected', line: /^client-tcp\s+│ connected to / },
  {
    case: 'node scripts/liftoff.mjs dev: launch → first echoed message',
    line: /^client-tcp\s+│ echo: .*returned intact/
  }
]

export async function benchStartup (_scale: Scale): Promise<BenchResult[]> {
  // The same command the README gives; with the toolchain in place it installs nothing.
  const launched = performance.now()
  const reached = new Map<string, number>()
  const demo = startProcess(['node', join(repoRoot, 'scripts', 'liftoff.mjs'), 'dev'], {
    cwd: repoRoot,
    label: 'main demo',
    onLine: line => {
      for (const stage of STAGES) {
        if (!reached.has(stage.case) && stage.line.test(line)) reached.set(stage.case, performance.now() - launched)
      }
    }
  })
  await demo.waitForLine(STAGES.at(-1)!.line, 60_000)
  const exit = await demo.exited
  if (exit.code !== 0) throw new Error(`the main demo exited with ${exit.code ?? exit.signal}`)
  return STAGES.map(stage => {
    const ms = reached.get(stage.case)
    if (ms === undefined) throw new Error(`the main demo never printed a line matching ${stage.line}`)
    return { bench: 'startup', case: stage.case, value: round(ms, 0), unit: 'ms' }
  })
}
