// README snippets are copies of source files (or of `// #region name` … `// #endregion` parts of them,
// dedented).
// A snippet is a fenced code block right after a marker line:  <!-- snippet: src/node.ts -->  or
// <!-- snippet: src/server.ts#start -->, paths relative to the markdown file.
//   node scripts/snippets.ts          lists stale snippets, exits 1 if any
//   node scripts/snippets.ts --write  rewrites them from the source
import { readFileSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { dirname, join, relative } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..')

export interface Snippet {
  markdownFile: string
  source: string
  /** Index in the markdown text of the code block's body. */
  bodyStart: number
  bodyEnd: number
  body: string
  expected: string
}

const markerPattern = /<!-- snippet: ([^#\s]+)(?:#([\w-]+))? -->\n```[\w-]*\n/g

export function sourceText (file: string, region: string | undefined): string {
  const text = readFileSync(file, 'utf8')
  if (region === undefined) return text
  const lines = text.split('\n')
  const start = lines.findIndex(line => line.trim() === `// #region ${region}`)
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// #endregion')
  if (start === -1 || end === -1) throw new Error(`${file} has no "// #region ${region}" … "// #endregion"`)
  const body = lines.slice(start + 1, end)
  const indent = Math.min(...body.filter(line => line.trim() !== '').map(line => /^ */.exec(line)![0].length))
  return body.map(line => line.slice(indent)).join('\n') + '\n'
}

export function snippetsOf (markdownFile: string): Snippet[] {
  const markdown = readFileSync(markdownFile, 'utf8')
  return [...markdown.matchAll(markerPattern)].map(match => {
    const [marker, path = '', region] = match
    const bodyStart = match.index + marker.length
    const bodyEnd = markdown.indexOf('```', bodyStart)
    if (bodyEnd === -1) throw new Error(`${markdownFile}: unterminated code block after ${marker.trim()}`)
    return {
      markdownFile,
      source: region === undefined ? path : `${path}#${region}`,
      bodyStart,
      bodyEnd,
      body: markdown.slice(bodyStart, bodyEnd),
      expected: sourceText(join(dirname(markdownFile), path), region)
    }
  })
}

export function markdownFiles (): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
    cwd: repoRoot,
    encoding: 'utf8'
  })
    .split('\n')
    .filter(file => file !== '')
    .map(file => join(repoRoot, file))
}

function rewrite (markdownFile: string): boolean {
  let markdown = readFileSync(markdownFile, 'utf8')
  const stale = snippetsOf(markdownFile).filter(snippet => snippet.body !== snippet.expected)
  for (const snippet of stale.reverse()) {
    markdown = markdown.slice(0, snippet.bodyStart) + snippet.expected + markdown.slice(snippet.bodyEnd)
  }
  if (stale.length > 0) writeFileSync(markdownFile, markdown)
  return stale.length > 0
}

if (import.meta.main) {
  const write = process.argv.includes('--write')
  let staleCount = 0
  for (const file of markdownFiles()) {
    if (write) {
      if (rewrite(file)) console.log(`updated ${relative(repoRoot, file)}`)
      continue
    }
    for (const snippet of snippetsOf(file).filter(item => item.body !== item.expected)) {
      staleCount++
      console.log(`${relative(repoRoot, file)}: snippet of ${snippet.source} differs from the source`)
    }
  }
  if (staleCount > 0) {
    console.log('run `node scripts/snippets.ts --write` to update them')
    process.exit(1)
  }
}
