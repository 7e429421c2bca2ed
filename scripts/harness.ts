// The harness helpers every example copies: scripts/harness/*.ts is the one written copy, each example's
// src/run/ holds an equal one so that the example stays standalone (`new` copies a folder, nothing more).
//   node scripts/harness.ts          lists the copies that differ, exits 1 if any
//   node scripts/harness.ts --write  copies scripts/harness/*.ts into every example's src/run/
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..')
const harnessDir = join(repoRoot, 'scripts', 'harness')

export const harnessFiles = readdirSync(harnessDir).filter(name => name.endsWith('.ts')).sort()

export function exampleDirs (): string[] {
  const peersDir = join(repoRoot, 'peers')
  return readdirSync(peersDir).flatMap(project => readdirSync(join(peersDir, project))
    .map(version => join(peersDir, project, version))
    .filter(dir => existsSync(join(dir, 'package.json'))))
}

/** Each example copy that is missing or differs from scripts/harness/, as a path from the repo's root. */
export function staleCopies (): string[] {
  return exampleDirs().flatMap(dir => harnessFiles.filter(name => {
    const copy = join(dir, 'src', 'run', name)
    return !existsSync(copy) || readFileSync(copy, 'utf8') !== readFileSync(join(harnessDir, name), 'utf8')
  }).map(name => relative(repoRoot, join(dir, 'src', 'run', name))))
}

if (process.argv[1] === import.meta.filename) {
  const stale = staleCopies()
  if (process.argv.includes('--write')) {
    for (const copy of stale) {
      mkdirSync(join(repoRoot, copy, '..'), { recursive: true })
      writeFileSync(join(repoRoot, copy), readFileSync(join(harnessDir, copy.split('/').at(-1)!), 'utf8'))
      console.log(`harness: wrote ${copy}`)
    }
  } else {
    for (const copy of stale) console.log(`harness: ${copy} differs from scripts/harness/ (fix: --write)`)
    process.exitCode = stale.length === 0 ? 0 : 1
  }
}
