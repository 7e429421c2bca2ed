// The print width (120) holds for everything a reader opens in an example's src/ and web/: ESLint checks the
// TypeScript, this the pages and styles too.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'

const repoRoot = join(import.meta.dirname, '..', '..')
const MAX = 120

test(`no line in an example's src/ or web/ is over ${MAX} characters`, () => {
  const files = execFileSync('git', ['ls-files', '-z', '--', 'peers/*/*/src/*', 'peers/*/*/web/*'], {
    cwd: repoRoot, encoding: 'utf8'
  }).split('\0').filter(file => /\.(ts|tsx|js|mjs|html|css)$/.test(file))
  expect(files.length).toBeGreaterThan(50)
  const long = files.flatMap(file => readFileSync(join(repoRoot, file), 'utf8').split('\n')
    .flatMap((line, index) => [...line].length > MAX ? [`${file}:${index + 1}: ${[...line].length}`] : []))
  expect(long).toEqual([])
})
