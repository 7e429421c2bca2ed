import { relative } from 'node:path'
import { expect, test } from 'vitest'
import { markdownFiles, repoRoot, snippetsOf } from '../snippets.ts'

const documents = markdownFiles()

test('every example README shows at least one snippet of its source', () => {
  const exampleReadmes = documents.filter(file => /\/peers\/[^/]+\/[^/]+\/README\.md$/.test(file))
  expect(exampleReadmes.length).toBeGreaterThan(0)
  for (const file of exampleReadmes) expect(snippetsOf(file).length, relative(repoRoot, file)).toBeGreaterThan(0)
})

test.each(documents.map(file => [relative(repoRoot, file), file]))(
  'snippets in %s match the source they copy',
  (_name, file) => {
    for (const snippet of snippetsOf(file)) {
      expect(snippet.body, `${snippet.source} (fix with: node scripts/snippets.ts --write)`).toBe(snippet.expected)
    }
  }
)
