// The keys that let a run skip a task (turbo.json, scripts/cached.ts): a changed input changes the key of every
// task that reads it and of no other, and so does another machine. Each case edits a copy of the repo's files and
// asks turbo for the keys (`turbo run … --dry=json`), as `.ci/run` would compute them.
import { execFileSync } from 'node:child_process'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { MAIN_SUITE, plannedTasks, turboEnv } from '../cached.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const tiers = Object.keys((JSON.parse(readFileSync(join(repoRoot, 'turbo.json'), 'utf8')) as {
  tasks: Record<string, unknown>
}).tasks).filter(task => task.startsWith('//#tier:')).map(task => task.slice('//#'.length))
const everyTask = [...MAIN_SUITE.map(args => args.filter(arg => !arg.startsWith('--'))).flat(), ...tiers]

let copy: string
beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'liftoff-keys-'))
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot, encoding: 'utf8'
  }).split('\0').filter(Boolean)
  for (const file of files) {
    mkdirSync(join(copy, dirname(file)), { recursive: true })
    copyFileSync(join(repoRoot, file), join(copy, file))
  }
  execFileSync('git', ['init', '-q'], { cwd: copy })
  execFileSync('git', ['add', '-A'], { cwd: copy })
})
afterAll(async () => { await rm(copy, { recursive: true, force: true }) })

/** Every task's key, by task id (e.g. @ipfs-liftoff/libp2p-v3#test, //#tier:nat). */
function keys (env = turboEnv()): Map<string, string> {
  return new Map(plannedTasks(everyTask, copy, env).map(task => [task.taskId, task.hash]))
}

/** turbo's plan for `tasks` in this checkout: each task's folder and input files (relative to its folder). */
function dryRun (tasks: string[]): Array<{ taskId: string, directory: string, inputs: Record<string, string> }> {
  const turbo = join(repoRoot, 'node_modules', '.bin', 'turbo')
  const plan = JSON.parse(execFileSync(turbo, ['run', ...tasks, '--dry=json'], {
    cwd: repoRoot, env: turboEnv(), encoding: 'utf8', maxBuffer: 64 << 20
  })) as { tasks: Array<{ taskId: string, directory?: string, inputs: Record<string, string> }> }
  return plan.tasks.map(task => ({ ...task, directory: task.directory === '.' ? '' : task.directory ?? '' }))
}

/** The tasks whose keys differ between two plans. */
const changed = (before: Map<string, string>, after: Map<string, string>): string[] =>
  [...before].filter(([task, key]) => after.get(task) !== key).map(([task]) => task).sort()

test('an example\'s README changes only the repo checks\' key (the snippet check reads it): no test, no tier', () => {
  const before = keys()
  appendFileSync(join(copy, 'peers/libp2p/v3/README.md'), '\nOne more line.\n')
  expect(changed(before, keys())).toEqual(['//#check'])
})

test('an example\'s src/ changes its own tests, its checks and the tiers that use it, not the others', () => {
  const before = keys()
  appendFileSync(join(copy, 'peers/libp2p/nat/src/chat.ts'), '\n// one more line\n')
  const after = changed(before, keys())
  expect(after).toEqual(expect.arrayContaining([
    '@ipfs-liftoff/libp2p-nat#test', '@ipfs-liftoff/libp2p-nat#typecheck', '//#check', '//#check:new',
    '//#check:bench', '//#lint', '//#tier:nat', '//#tier:browser', '//#tier:docker', '//#tier:k8s'
  ]))
  for (const untouched of ['@ipfs-liftoff/libp2p-v3#test', '//#tier:routing', '//#tier:faults']) {
    expect(after).not.toContain(untouched)
  }
})

test('the test helpers, the lockfile, .ci/run and another machine each change every key', () => {
  for (const file of ['scripts/testing/cleanup.ts', 'pnpm-lock.yaml', '.ci/run']) {
    const before = keys()
    appendFileSync(join(copy, file), '\n# one more line\n'.replace('#', file.endsWith('.ts') ? '//' : '#'))
    expect({ file, changed: changed(before, keys()).length }).toEqual({ file, changed: before.size })
  }
  const here = keys()
  const elsewhere = keys(turboEnv({ ...process.env, LIFTOFF_MACHINE: 'another-machine' }))
  expect(changed(here, elsewhere)).toHaveLength(here.size)
})

test('every task reads only files git tracks: what a run leaves in the tree (logs, builds, data) moves no key', () => {
  const tracked = new Set(execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0'))
  const untracked = dryRun(everyTask).flatMap(task => {
    const dir = task.directory === '' ? '' : `${task.directory}/`
    return Object.keys(task.inputs).map(file => `${dir}${file}`).filter(file => !tracked.has(file))
      .map(file => `${task.taskId}: ${file}`)
  })
  expect(untracked.slice(0, 20)).toEqual([])
})

test('each tier\'s inputs hold every example its sources name', () => {
  const plan = dryRun(tiers)
  const missing: string[] = []
  for (const tier of tiers) {
    const inputs = Object.keys(plan.find(task => task.taskId === `//#${tier}`)!.inputs)
    const sources = execFileSync('git', ['ls-files', '-z', '--', `scripts/${tier.slice('tier:'.length)}`], {
      cwd: repoRoot, encoding: 'utf8'
    }).split('\0').filter(Boolean)
    expect(sources.length, tier).toBeGreaterThan(0)
    const named = new Set(sources.flatMap(file => [...readFileSync(join(repoRoot, file), 'utf8')
      .matchAll(/peers\/[a-z0-9]+(\/[a-z0-9]+)?/g)].map(match => match[0])))
    for (const example of named) {
      if (!inputs.some(input => input.startsWith(`${example}/`))) missing.push(`${tier}: ${example}`)
    }
  }
  expect(missing).toEqual([])
})
