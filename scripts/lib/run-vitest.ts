// A tier's tests: its vitest config run as a child process, with the arguments the tier's command was given
// (a file, -t <name>). Resolves with vitest's exit code.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'

const repoRoot = join(import.meta.dirname, '..', '..')

export async function runVitest (config: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const vitest = spawn(
    process.execPath,
    [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', config, ...process.argv.slice(2)],
    { cwd: repoRoot, stdio: 'inherit', env }
  )
  const [code] = (await once(vitest, 'exit')) as [number | null]
  return code ?? 1
}
