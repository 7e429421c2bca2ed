// What every `liftoff new` check shares: a temporary parent folder outside the repo, each project removed after
// its test (a few hundred MB of node_modules: the disk holds one at a time), the package managers run to their
// end, and the lockfile rule. Each example's standalone check is a file of its own (new/<project>-<version>.test.ts),
// so vitest spreads the longest checks of the main suite over its workers, and each has its own inputs.
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { scaffold } from '../../new.ts'
import { runToEnd, stopAllProcesses } from '../../testing/processes.ts'

export const repoRoot = join(import.meta.dirname, '..', '..', '..')
const REMOVE_TIMEOUT_MS = 180_000

export interface Projects {
  /** A project made by `new` from `example` in the folder `name`, removed after the test. */
  project: (example: string, name: string) => Promise<string>
  /** Where a folder `name` goes (inside the file's temporary parent). */
  folder: (name: string) => string
}

/** Registers the file's hooks: a temporary parent folder, and each project removed after its test. */
export function useProjects (): Projects {
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
  const folder = (name: string): string => join(parent, name)
  return {
    folder,
    project: async (example, name) => {
      const dir = folder(name)
      made.push(dir)
      await scaffold(example, dir, () => {})
      return dir
    }
  }
}

/** The `name@version`s a pnpm lockfile pins. */
const lockedPackages = (lockfile: string): string[] =>
  Object.keys((parse(lockfile) as { packages?: Record<string, unknown> }).packages ?? {})
const repoPackages = new Set(lockedPackages(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')))

/** A project installs what the repo tested: nothing in its lockfile that the repo's does not pin. */
export async function expectOnlyRepoPackages (dir: string): Promise<void> {
  expect(
    lockedPackages(await readFile(join(dir, 'pnpm-lock.yaml'), 'utf8')).filter(key => !repoPackages.has(key))
  ).toEqual([])
}

export const run = async (cwd: string, command: string[]): Promise<string[]> => runToEnd(command, { cwd })
export const pnpm = async (cwd: string, ...args: string[]): Promise<string[]> => run(cwd, ['pnpm', ...args])

/** Kubo's example needs its binary to run: here it is installed and typechecked (new.test.ts). */
export const NEEDS_A_BINARY = 'ipfs/kubo'

/** The standalone check of `example` (e.g. libp2p/v3): install, dev, typecheck, its tests, its pages. */
export function standaloneCheck (example: string): void {
  const { project } = useProjects()
  test(
    `new ${example}: a standalone project whose install, dev, typecheck, tests and pages pass outside the repo (pnpm)`,
    async () => {
      const dir = await project(example, example.replace('/', '-'))
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>
      }
      await expectOnlyRepoPackages(dir)
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
}

/** Where an example's standalone check lives: new/<project>-<version>.test.ts, a file each. */
export const checkFileOf = (example: string): string =>
  join(import.meta.dirname, `${example.replace('/', '-')}.test.ts`)
