// Conventions every test keeps, so that a failure says why: an assertion on a process's exit code goes
// through expectExit / expectExitCode / expectStop (scripts/testing/processes.ts), which put the process's
// stderr and the end of its stdout in the failure message (an assertion whose message is `printed(…)` does too).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, test } from 'vitest'

const repoRoot = resolve(import.meta.dirname, '..', '..')
const testFiles = execFileSync('git', ['ls-files', '-z', '--', 'peers/*.ts', 'scripts/*.ts'], {
  cwd: repoRoot,
  encoding: 'utf8'
})
  .split('\0')
  .filter(
    file =>
      /(\.test\.ts|\/test\/.*\.ts|scripts\/testing\/.*\.ts|scripts\/interop\/.*\.ts)$/.test(file) &&
      file !== 'scripts/testing/processes.ts' &&
      file !== 'scripts/checks/test-conventions.test.ts'
  )

/** One `expect(subject[, message])…matcher(expected)` in a file. */
interface Assertion { index: number, text: string, subject: string, message: string | undefined, expected: string }

/** Where the regular expression literal that starts at `at` ends (its closing slash). */
function regexEnd (text: string, at: number): number {
  let inClass = false
  for (at++; at < text.length && text[at] !== '\n'; at++) {
    if (text[at] === '\\') at++
    else if (text[at] === '[') inClass = true
    else if (text[at] === ']') inClass = false
    else if (text[at] === '/' && !inClass) return at
  }
  return at
}

/**
 * The index just past the bracket that closes the one at `open`; strings, template literals and regular expressions
 * skipped.
 */
function closingBracket (text: string, open: number): number {
  const closers: string[] = []
  for (let at = open; at < text.length; at++) {
    const char = text[at]!
    if (char === '\'' || char === '"' || char === '`') {
      for (at++; at < text.length && text[at] !== char; at++) if (text[at] === '\\') at++
    } else if (
      char === '/' &&
      /[(,=:[!&|?{};]\s*$/.test(text.slice(Math.max(0, at - 20), at)) &&
      !'/*'.includes(text[at + 1] ?? '')
    ) {
      at = regexEnd(text, at)
    } else if (char === '(' || char === '[' || char === '{') {
      closers.push({ '(': ')', '[': ']', '{': '}' }[char])
    } else if (char === closers.at(-1)) {
      closers.pop()
      if (closers.length === 0) return at + 1
    }
  }
  return text.length
}

/** Splits an argument list at its top-level commas. */
function topLevelArguments (list: string): string[] {
  const parts: string[] = []
  let start = 0
  for (let at = 0; at < list.length; at++) {
    if ('([{\'"`'.includes(list[at]!)) at = closingBracket(list, at) - 1
    else if (list[at] === ',') {
      parts.push(list.slice(start, at).trim())
      start = at + 1
    }
  }
  parts.push(list.slice(start).trim())
  return parts.filter(part => part !== '')
}

function assertionsIn (text: string): Assertion[] {
  return [...text.matchAll(/(?<![\w.])expect(?:\.soft)?\(/g)].map(match => {
    const open = match.index + match[0].length - 1
    const close = closingBracket(text, open)
    const [subject = '', message] = topLevelArguments(text.slice(open + 1, close - 1))
    // the matcher: `.not`, `.resolves` and the like, then the call
    const matcher = /^\s*(?:\.\w+)*?\.to\w+\(/.exec(text.slice(close))
    const expectedOpen = matcher === null ? close : close + matcher[0].length - 1
    const expectedClose = matcher === null ? close : closingBracket(text, expectedOpen)
    return {
      index: match.index,
      text: text.slice(match.index, expectedClose),
      subject,
      message,
      expected: text.slice(expectedOpen + 1, expectedClose - 1)
    }
  })
}

/** Calls whose result is a finished process (its exit code or status) or a handle on one. */
const PROCESS_SOURCE =
  new RegExp(String.raw`^(?:await\s+)?(?:spawnSync|execa|execaSync|execaNode|docker|exitCodeOf|` +
    String.raw`once\(\w+(?:\.child)?, '(?:exit|close)'\)|\w+\.exited\b|\w+\.stop\()`)
/**
 * Names in the file bound to a finished process: `const run = spawnSync(…)`, `const { status } = …`, `const code =
 * await exitCodeOf(…)`.
 */
function processNames (text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(/\b(?:const|let|var)\s+(\w+|\{[^}]*\}|\[[^\]]*\])\s*(?::[^=]+)?=\s*([^\n;]+)/g)) {
    if (!PROCESS_SOURCE.test(match[2]!.trim())) continue
    for (const name of match[1]!.replace(/[{}[\]]/g, '').split(',')) {
      const bound = name.split(':').at(-1)!.split('=')[0]!.trim()
      if (bound !== '') names.add(bound)
    }
  }
  return names
}

/** Why the assertion checks an exit code (status, signal) without the process's output; undefined when it does not. */
function bareExitCode (assertion: Assertion, names: Set<string>): string | undefined {
  if (assertion.message?.startsWith('printed(') === true) return undefined
  const subject = assertion.subject.replace(/^\(|\)$/g, '').trim()
  const base = subject.replace(/^\(?\s*await\s+/, '').replace(/\)$/, '')
  if (/\.(code|exitCode|signalCode)$/.test(subject)) return 'an exit code'
  // a name, not a string such as a file's
  if (/\bexit[Cc]ode\w*\b/.test(subject.replace(/'[^']*'|"[^"]*"/g, "''"))) return 'an exit code'
  if (/^\(?\s*await\s+[\w.]+\.(exited|stop\([^)]*\))/.test(assertion.subject)) return 'how a process ended'
  if (/(?:spawnSync|execa\w*|docker)\(.*\)\.(status|signal|exitCode|code)$/s.test(subject)) return 'an exit status'
  const [variable, field] = base.split('.')
  if (names.has(variable!) && (field === undefined || /^(status|signal|exitCode|code|failed)$/.test(field))) {
    return `${variable}, a finished process`
  }
  if (/\bexitCode\s*:|\bcode\s*:\s*[\w.-]+\s*,\s*signal\s*:/.test(assertion.expected)) {
    return 'an exit code in the expected value'
  }
  return undefined
}

function bareExitAssertions (file: string, text: string): string[] {
  const names = processNames(text)
  return assertionsIn(text).flatMap(assertion => {
    const why = bareExitCode(assertion, names)
    return why === undefined
      ? []
      : [`${file}:${text.slice(0, assertion.index).split('\n').length}: ${why}: ${assertion.text.split('\n')[0]}`]
  })
}

test('the check finds exit codes asserted without the process\'s output', () => {
  expect(bareExitAssertions('a.test.ts', 'expect((await client.exited).code).toBe(0)')).toHaveLength(1)
  // a message, but not the stdout
  expect(bareExitAssertions('a.test.ts', "expect(exit.code, client.stderr.join('\\n')).toBe(0)")).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', 'expect(await dev.exited).toEqual({ code: 0, signal: null })')).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', "expect((await first.stop('SIGTERM')).code).toBe(0)")).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', 'expect(server.child.exitCode).toBe(null)')).toHaveLength(1)
  expect(bareExitAssertions('a.test.ts', 'await expectExit(client, 0)')).toEqual([])
})

test('the check finds the docker tier\'s forms and those of spawnSync and execa results', () => {
  // each source text and how many bare exit assertions the check finds in it
  const cases: Array<[string, number]> = [
    // scripts/docker/profiles.test.ts:18 and networks.test.ts:27,53 as they were
    ["expect(await exitCodeOf('ipfs-kubo-client')).toBe(0)", 1],
    ['for (const client of clients) expect(await exitCodeOf(client), client).toBe(0)', 1],
    ['for (const server of servers) expect(states.find(state => state.service === server), server)' +
      ".toMatchObject({ state: 'exited', exitCode: 0 })", 1],
    ["const code = await exitCodeOf('bacalhau-demo-real')\nconst stdout = await logsOf('x')\n" +
      'expect(code, stdout).toBe(0)', 1],
    // spawnSync and execa results, under any name, inline or destructured
    ["const result = spawnSync('ip', ['link'])\nexpect(result.status).toBe(0)", 1],
    ["const listed = spawnSync('ip', ['link'], { encoding: 'utf8' })\n" +
      'expect(listed.status, listed.stdout).toEqual(0)', 1],
    ["const { status, stderr } = spawnSync('ip', ['link'])\nexpect(status).toBe(0)", 1],
    ["expect(spawnSync('ip', ['link']).status).toBe(0)", 1],
    ["const run = await execa('node', ['x.ts'], { reject: false })\n" +
      'expect(run.exitCode).toBe(0)\nexpect(run.failed).toBe(false)', 2],
    ['const ended = await server.exited\nexpect(ended).toEqual({ code: 0, signal: null })', 1],
    ["const [code] = await once(child, 'exit')\nexpect(code).toBe(0)", 1],
    ['const exit = await server.stop()\nexpect(exit.signal).toBe(null)', 1],
    ['const exitCode = role.child.exitCode\nexpect(exitCode).not.toBe(null)', 1],
    // not exit codes: an HTTP status, an error's code, a record's field, a file named exitCode; the helpers,
    // a message that is printed(…)
    ["expect(await readFile(join(dir, 'exitCode'), 'utf8')).toBe('-1')", 0],
    ['const response = await fetch(url)\nexpect(response.status).toBe(200)\n' +
      "expect(error).toMatchObject({ code: 'ERR_X' })\nexpect(job.State.StateType).toBe('Completed')", 0],
    ["const result = spawnSync('ip', ['link'])\n" +
      'expectExitCode({ code: result.status, stdout: result.stdout, stderr: result.stderr }, 0)', 0],
    ['expect(run.code, printed(run)).toBe(0)', 0]
  ]
  for (const [text, count] of cases) expect(bareExitAssertions('a.test.ts', text).length, text).toBe(count)
})

test(`every exit code in the tests (${testFiles.length} files) is asserted with what the process printed`, () => {
  expect(testFiles.length).toBeGreaterThan(40)
  const found = testFiles.flatMap(file => bareExitAssertions(file, readFileSync(join(repoRoot, file), 'utf8')))
  expect(found).toEqual([])
})
