// `liftoff new`: every example made into a standalone project in a temporary folder outside the repo, then
// used as its user would: install (from the package cache where it can), dev, typecheck, its own tests,
// its pages built. With pnpm for every example; with npm for one. Kubo's needs its binary to run, so here
// it is installed and typechecked; the interop tier runs its dev and tests (scripts/interop/new.test.ts).
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { examples, scaffold } from '../new.ts'
import { expectExit, runToEnd, startProcess, stopAllProcesses } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
// each project (a few hundred MB of node_modules) is removed after its test, so the disk holds one at a time
const REMOVE_TIMEOUT_MS = 180_000
let parent: string
const made: string[] = []
beforeAll(async () => { parent = await mkdtemp(join(tmpdir(), 'liftoff-new-')) })
afterEach(stopAllProcesses)
afterEach(async () => {
  await Promise.all(made.splice(0).map(async dir => rm(dir, { recursive: true, force: true })))
}, REMOVE_TIMEOUT_MS)
afterAll(async () => {
  await rm(parent, { recursive: true, force: true })
}, REMOVE_TIMEOUT_MS)

/** A project made by `new` from the example, in a directory of its own that is removed after the test. */
async function project (example: string, name: string): Promise<string> {
  const dir = join(parent, name)
  made.push(dir)
  await scaffold(example, dir, () => {})
  return dir
}

/** The `name@version`s a pnpm lockfile pins. */
const lockedPackages = (lockfile: string): string[] =>
  Object.keys((parse(lockfile) as { packages?: Record<string, unknown> }).packages ?? {})
// a project installs what the repo tested: nothing in its lockfile that the repo's does not pin
const repoPackages = new Set(lockedPackages(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')))

const run = async (cwd: string, command: string[]): Promise<string[]> => runToEnd(command, { cwd })
const pnpm = async (cwd: string, ...args: string[]): Promise<string[]> => run(cwd, ['pnpm', ...args])

test('new refuses a folder that is not empty, and an unknown example names the known ones', async () => {
  const taken = join(parent, 'taken')
  await scaffold('libp2p/v3', taken, () => {})
  await expect(scaffold('libp2p/v3', taken)).rejects.toThrow(/^refusing to write into .*taken: it is not empty$/)
  await expect(scaffold('libp2p/v9', join(parent, 'nope'))).rejects.toThrow(
    `no example "libp2p/v9": the examples are ${examples().join(', ')}`
  )
  expect(existsSync(join(parent, 'nope'))).toBe(false)
}, 120_000)

test('the command: a wrong example or a taken directory is one line on stderr and exit 1', async () => {
  const occupied = join(parent, 'occupied')
  await mkdir(occupied)
  await writeFile(join(occupied, 'notes.txt'), 'mine\n')
  for (const args of [['libp2p/v9', join(parent, 'nope')], ['libp2p/v3', occupied]]) {
    const command = startProcess(['node', 'scripts/new.ts', ...args], { cwd: repoRoot, label: `new ${args.join(' ')}` })
    await expectExit(command, 1)
    expect(command.stderr).toHaveLength(1)
    expect(command.stderr[0]).toMatch(/^new: (no example "libp2p\/v9"|refusing to write into)/)
  }
}, 60_000)

const runnable = examples().filter(example => example !== 'ipfs/kubo')

test.each(runnable)(
  'new %s: a standalone project whose install, dev, typecheck, tests and pages pass outside the repo (pnpm)',
  async example => {
    const dir = await project(example, example.replace('/', '-'))
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    expect(
      lockedPackages(await readFile(join(dir, 'pnpm-lock.yaml'), 'utf8')).filter(key => !repoPackages.has(key))
    ).toEqual([])
    await pnpm(dir, 'install', '--frozen-lockfile', '--prefer-offline')
    await pnpm(dir, 'dev')
    await pnpm(dir, 'typecheck')
    await pnpm(dir, 'test')
    if (manifest.scripts['build:web'] !== undefined) {
      await pnpm(dir, 'build:web')
      expect(existsSync(join(dir, 'dist', 'web', 'index.html'))).toBe(true)
    }
  },
  900_000
)

test('new ipfs/kubo: installs and typechecks outside the repo (its ' +
  'dev and tests need the Kubo binary: interop tier)', async () => {
  const dir = await project('ipfs/kubo', 'ipfs-kubo')
  expect(
    lockedPackages(await readFile(join(dir, 'pnpm-lock.yaml'), 'utf8')).filter(key => !repoPackages.has(key))
  ).toEqual([])
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
