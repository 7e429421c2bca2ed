// The NAT example's README shows the outcome table the NAT tier asserts (scripts/nat/outcomes.ts).
import { expect, test } from 'vitest'
import { outcomeTable, readmeTable } from '../nat/outcomes.ts'

test("the NAT README's outcome table is the one the NAT tier " +
  'asserts (fix with: node scripts/nat/outcomes.ts --write)', () => {
  expect(readmeTable()).toBe(outcomeTable())
})
