// Each tier that installs packages proves it left the host as it found it but for them: its last run's
// installs changed exactly what apt planned, only the named packages and what they depend on (no
// recommends; an installed sibling from the same source may be upgraded with one of them), and no system
// name (/usr/bin/python3, an alternative) runs another program now.
import { expect, test } from 'vitest'
import { dependencyClosure, sourcePackages } from '../lib/apt.ts'
import { lastRuns } from '../lib/host-record.ts'

export function hostTest (tier: string): void {
  test(`the ${tier} tier installed only the packages it named and what they depend on, and switched no system ` +
    'name', () => {
    const last = lastRuns(tier)
    expect(last, `no record of the ${tier} tier's installs in .tools/`).toBeDefined()
    for (const run of last!.runs) {
      const byName = (changes: Array<{ name: string }>): string[] =>
        changes.map(change => JSON.stringify(change)).sort()
      expect(byName(run.changed), `${run.requested.join(' ')}: what changed is what apt planned`).toEqual(
        byName(run.planned)
      )
      const closure = dependencyClosure(run.requested, run.suite)
      // apt upgrades an installed package outside the closure only with its sibling from the same source
      // (libevent-2.1-7 with libevent-core-2.1-7): nothing else may change
      const sources = sourcePackages(run.changed.map(change => change.name))
      const upgradedSources = new Set(
        run.changed.filter(change => closure.has(change.name)).map(change => sources.get(change.name))
      )
      const outside = run.changed.filter(
        change =>
          !closure.has(change.name) && !(change.before !== null && upgradedSources.has(sources.get(change.name)))
      )
      expect(
        outside.map(change => change.name),
        `${run.requested.join(' ')}: changed outside its dependency closure`
      ).toEqual([])
      expect(run.systemNames).toBe('unchanged')
    }
  })
}
