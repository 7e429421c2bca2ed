// `liftoff new`: every example made into a standalone project in a temporary folder outside the repo, then
// used as its user would: install (from the package cache where it can), dev, typecheck, its own tests,
// its pages built — with pnpm for every example (a file each: new/<project>-<version>.test.ts), with npm for
// one (here). Kubo's needs its binary to run, so here it is installed and typechecked; the interop tier runs
// its dev and tests (scripts/interop/new.test.ts).
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { examples, scaffold } from '../new.ts'
import { expectExit, startProcess } from '../testing/processes.ts'
import {
  checkFileOf, expectOnlyRepoPackages, NEEDS_A_BINARY, pnpm, repoRoot, run, useProjects
} from './new/standalone.ts'

const { project, folder } = useProjects()

test('new refuses a folder that is not empty, and an unknown example names the known ones', async () => {
  const taken = folder('taken')
  await scaffold('libp2p/v3', taken, () => {})
  await expect(scaffold('libp2p/v3', taken)).rejects.toThrow(/^refusing to write into .*taken: it is not empty$/)
  await expect(scaffold('libp2p/v9', folder('nope'))).rejects.toThrow(
    `no example "libp2p/v9": the examples are ${examples().join(', ')}`
  )
  expect(existsSync(folder('nope'))).toBe(false)
}, 120_000)

test('the command: a wrong example or a taken directory is one line on stderr and exit 1', async () => {
  const occupied = folder('occupied')
  await mkdir(occupied)
  await writeFile(join(occupied, 'notes.txt'), 'mine\n')
  for (const args of [['libp2p/v9', folder('nope')], ['libp2p/v3', occupied]]) {
    const command = startProcess(['node', 'scripts/new.ts', ...args], { cwd: repoRoot, label: `new ${args.join(' ')}` })
    await expectExit(command, 1)
    expect(command.stderr).toHaveLength(1)
    expect(command.stderr[0]).toMatch(/^new: (no example "libp2p\/v9"|refusing to write into)/)
  }
}, 60_000)

test('new ipfs/kubo: installs and typechecks outside the repo (its ' +
  'dev and tests need the Kubo binary: interop tier)', async () => {
  const dir = await project(NEEDS_A_BINARY, 'ipfs-kubo')
  await expectOnlyRepoPackages(dir)
  await pnpm(dir, 'install', '--frozen-lockfile', '--prefer-offline')
  await pnpm(dir, 'typecheck')
}, 300_000)

test('new libp2p/v1 with npm: npm install, npm run dev, npm test; the workspace override travels with it', async () => {
  const dir = await project('libp2p/v1', 'with-npm')
  await run(dir, ['npm', 'install', '--prefer-offline', '--no-audit', '--no-fund'])
  expect((await run(dir, ['npm', 'ls', 'mortice'])).join('\n')).toMatch(/mortice@3\.1\.0 overridden/)
  await run(dir, ['npm', 'run', 'dev'])
  await run(dir, ['npm', 'test'])
}, 900_000)

test('every example but Kubo\'s has its standalone check (new/<project>-<version>.test.ts)', () => {
  // the examples as git tracks them (a stray folder under peers/ is none)
  const needed = examples().filter(example => example !== NEEDS_A_BINARY)
  expect(needed.length).toBeGreaterThan(0)
  expect(needed.filter(example => !existsSync(checkFileOf(example)))).toEqual([])
})
