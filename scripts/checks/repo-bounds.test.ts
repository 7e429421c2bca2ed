// A user's clone has nothing beside it: no test, script or example may read a path outside the repo other
// than the package caches, temporary directories and the system's own tools. This reads every tracked
// source file for paths that leave the repo: literals naming a folder beside it, and join()/resolve() of
// the file's own directory (or the repo root) with '..' segments that climb past the root.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const sources = execFileSync(
  'git',
  ['ls-files', '-z', '--', '*.ts', '*.mjs', '*.js', '*.sh', '*.yaml', '*.json', '*Dockerfile', '.ci/*'],
  { cwd: repoRoot, encoding: 'utf8' }
)
  .split('\0')
  .filter(file => file !== '' && !file.endsWith('pnpm-lock.yaml'))

/** Where a path built from `base` and literal segments lands, relative to the repo root ('..' when outside). */
const landing = (base: string, segments: string[]): string => relative(repoRoot, resolve(base, ...segments))

function escapes (file: string, text: string): string[] {
  const found: string[] = []
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length
  // a sibling of the repo by name, or this machine's own layout
  for (const match of text.matchAll(/\.\.\/shared\b|['"`]\/work\//g)) {
    found.push(`${file}:${lineOf(match.index)}: ${match[0]}`)
  }
  // join(import.meta.dirname, '..', …) / resolve(repoRoot, '..') with only literal segments
  for (const match of text.matchAll(
    /\b(?:join|resolve)\(\s*(import\.meta\.dirname|repoRoot)\s*((?:,\s*'[^']*'\s*)+)\)/g
  )) {
    const base = match[1] === 'repoRoot' ? repoRoot : dirname(join(repoRoot, file))
    const segments = [...match[2]!.matchAll(/'([^']*)'/g)].map(segment => segment[1]!)
    if (landing(base, segments).startsWith('..')) found.push(`${file}:${lineOf(match.index)}: ${match[0]}`)
  }
  return found
}

test('the check finds paths that leave the repo, and not those that stay', () => {
  expect(
    escapes('scripts/checks/a.test.ts', "join(import.meta.dirname, '..', '..', '..', 'shared', 'x.json')")
  ).toHaveLength(1)
  expect(
    escapes('peers/ipfs/helia/test/a.ts', "join(import.meta.dirname, '..', '..', '..', '..', '..', 'data')")
  ).toHaveLength(1)
  expect(escapes('peers/ipfs/helia/test/a.ts', "join(import.meta.dirname, '..', '..', '..', '..', 'scripts')")).toEqual(
    []
  )
  expect(escapes('scripts/a.ts', "resolve(repoRoot, '..', 'sibling')")).toHaveLength(1)
  expect(escapes('scripts/a.ts', "readFileSync('/work/shared/compose-spec.json')")).toHaveLength(1)
})

test(`no tracked source file (${sources.length}) reads a path outside the repo`, () => {
  expect(sources.length).toBeGreaterThan(100)
  const found = sources.flatMap(file =>
    file === 'scripts/checks/repo-bounds.test.ts' ? [] : escapes(file, readFileSync(join(repoRoot, file), 'utf8'))
  )
  expect(found).toEqual([])
})
