import { expect, test } from 'vitest'
import { exampleDirs, harnessFiles, staleCopies } from '../harness.ts'

test('every example holds an equal copy of each harness helper in src/run/', () => {
  expect(exampleDirs().length).toBeGreaterThan(0)
  expect(harnessFiles).toEqual(['env.ts', 'roles.ts'])
  expect(staleCopies(), 'fix with: node scripts/harness.ts --write').toEqual([])
})
