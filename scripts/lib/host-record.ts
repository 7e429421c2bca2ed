// What the test tiers changed on this machine, kept in .tools/host-changes.json: each install run's packages
// (what apt planned and what really changed), the apt files written, directories created, kernel settings
// changed (with their first value), Docker images and volumes built. `node scripts/liftoff.mjs clean:host`
// (scripts/clean-host.ts) reads it to undo what can be undone; each tier's host test reads its last run.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const toolsDir = join(import.meta.dirname, '..', '..', '.tools')
const recordFile = join(toolsDir, 'host-changes.json')

export interface PackageChange { name: string, before: string | null, after: string }

/** One tier's install: what it asked for, what apt planned, what changed, and which system names switched. */
export interface PackageRun {
  requested: string[]
  /** The suite the named packages came from (e.g. trixie), when not the system's own. */
  suite?: string
  planned: PackageChange[]
  changed: PackageChange[]
  files?: string[]
  systemNames: 'unchanged' | string[]
}

export interface HostRecord {
  packages: Array<PackageRun & { tier: string, at: string }>
  files: string[]
  directories: string[]
  settings: Array<{ tier: string, key: string, before: string }>
  images: string[]
  volumes: string[]
}

export function readRecord (): HostRecord {
  const empty: HostRecord = { packages: [], files: [], directories: [], settings: [], images: [], volumes: [] }
  return existsSync(recordFile)
    ? { ...empty, ...(JSON.parse(readFileSync(recordFile, 'utf8')) as Partial<HostRecord>) }
    : empty
}

export function writeRecord (record: HostRecord): void {
  mkdirSync(toolsDir, { recursive: true })
  writeFileSync(recordFile, JSON.stringify(record, null, 2) + '\n')
}

function update (change: (record: HostRecord) => void): void {
  const record = readRecord()
  change(record)
  writeRecord(record)
}

const lastRunFile = (tier: string): string => join(toolsDir, `host-changes-${tier}-last.json`)

/** Records a tier's install (also among the installs of the tier's current run, for its host test). */
export function recordChanges (tier: string, run: PackageRun): void {
  mkdirSync(toolsDir, { recursive: true })
  const earlier = lastRuns(tier)
  const runs = earlier?.pid === process.pid ? [...earlier.runs, run] : [run]
  writeFileSync(lastRunFile(tier), JSON.stringify({ pid: process.pid, runs }, null, 2) + '\n')
  if (run.changed.length === 0 && (run.files ?? []).length === 0) return
  update(record => {
    record.packages.push({ tier, at: new Date().toISOString(), ...run })
    record.files.push(...(run.files ?? []).filter(file => !record.files.includes(file)))
  })
}

/** The installs of the tier's last run (the process that ran it), or undefined when it has not run here. */
export function lastRuns (tier: string): { pid: number, runs: PackageRun[] } | undefined {
  return existsSync(lastRunFile(tier))
    ? (JSON.parse(readFileSync(lastRunFile(tier), 'utf8')) as { pid: number, runs: PackageRun[] })
    : undefined
}

/** A kernel setting the tier changed: the first value seen is the one clean:host restores. */
export function recordSetting (tier: string, key: string, before: string): void {
  update(record => {
    if (!record.settings.some(setting => setting.key === key)) record.settings.push({ tier, key, before })
  })
}

export function recordDirectory (path: string): void {
  update(record => { if (!record.directories.includes(path)) record.directories.push(path) })
}

export function recordDocker (built: { images?: string[], volumes?: string[] }): void {
  update(record => {
    for (const image of built.images ?? []) if (!record.images.includes(image)) record.images.push(image)
    for (const volume of built.volumes ?? []) if (!record.volumes.includes(volume)) record.volumes.push(volume)
  })
}
