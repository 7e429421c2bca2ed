// Conventions every test keeps, so that a failure says why: an assertion on a process's exit code goes
// through expectExit / expectExitCode / expectStop (scripts/testing/processes.ts), which put the process's
// stderr and the end of its stdout in the failure message.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, test } from 'vitest'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const testFiles = execFileSync('git', ['ls-files', '-z', '--', 'peers/*.ts', 'scripts/*.ts'], { cwd: repoRoot, encoding: 'utf8' })
  .split('\0').filter(file => /(\.test\.ts|\/test\/.*\.ts|scripts\/testing\/.*\.ts|scripts\/interop\/.*\.ts)$/.test(file) && file !== 'scripts/testing/processes.ts' && file !== 'scripts/checks/test-conventions.test.ts')

/** Exit codes asserted bare: `expect(x.code).toBe(…)`, `expect(await x.exited).toEqual(…)`, `expect((await x.stop()).code)…`. */
const BARE_EXIT_ASSERTION = /expect\([^;\n]*\.(code|exitCode)\)\s*\.(not\.)?to(Be|Equal)\(|expect\(\s*await [\w.]+\.(exited|stop\([^)]*\))\s*[,)]/g

function bareExitAssertions (file: string, text: string): string[] {
  return [...text.matchAll(BARE_EXIT_ASSERTION)].map(match => `${file}:${text.slice(0, match.index).split('\n').length}: ${match[0]}`)
}

test('the check finds exit codes asserted without the process\'s output', () => {
  expect(bareExitAssertions('a.test.ts', 'expect((await client.exited).code).toBe(0)')).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', "expect(exit.code, client.stderr.join('\\n')).toBe(0)")).toHaveLength(0) // a message, but not the stdout: still caught below
  expect(bareExitAssertions('a.test.ts', 'expect(await dev.exited).toEqual({ code: 0, signal: null })')).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', "expect((await first.stop('SIGTERM')).code).toBe(0)")).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', 'expect(server.child.exitCode).toBe(null)')).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', 'await expectExit(client, 0)')).toEqual([])
})

test(`every exit code in the tests (${testFiles.length} files) is asserted with what the process printed`, () => {
  expect(testFiles.length).toBeGreaterThan(40)
  const found = testFiles.flatMap(file => {
    const text = readFileSync(join(repoRoot, file), 'utf8')
    return [...bareExitAssertions(file, text), ...[...text.matchAll(/expect\([\w.]+\.code, /g)].map(match => `${file}: ${match[0]}`)]
  })
  expect(found).toEqual([])
})
