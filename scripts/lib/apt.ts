// Debian packages for a test tier, installed so that the host is left as it was but for them: only as root
// and where apt-get exists; nothing when every package is installed already; otherwise exactly the named
// packages and what they depend on (--no-install-recommends), a newer suite pinned low and asked for per
// package (docker.io/trixie), never for the whole transaction. Before installing it says in one line what
// else apt would change (upgrades), and refuses a change to which program a system name runs (python3, the
// alternatives). What it changed goes to the host record (scripts/lib/host-record.ts), for clean:host to undo.
import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync, writeFileSync } from 'node:fs'
import { recordChanges, type PackageChange } from './host-record.ts'

let updated = false

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }

/** True when this process may install packages with apt (root, apt-get on PATH). */
export function canAptInstall (): boolean {
  return process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
}

function apt (args: string[]): string {
  const result = spawnSync('apt-get', args, {
    env: APT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024
  })
  if (result.status !== 0) {
    throw new Error(
      `apt-get ${args.join(' ')} failed (exit ${result.status}): ` +
        `${result.stderr.trim().split('\n').slice(-2).join(' | ')}`
    )
  }
  return result.stdout
}

/** Installed packages (dpkg status "ii"): name → version. */
export function installedPackages (): Map<string, string> {
  const listing =
    // eslint-disable-next-line no-template-curly-in-string -- dpkg-query's own ${field} format, not a template
    spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version} ${db:Status-Abbrev}\n'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024
    }).stdout ?? ''
  return new Map(
    listing
      .split('\n')
      .map(line => line.trim().split(' '))
      .filter(fields => fields[2] === 'ii')
      .map(([name, version]) => [name!, version!])
  )
}

/** The source package each installed binary package was built from (libevent-core-2.1-7 → libevent). */
export function sourcePackages (names: string[]): Map<string, string> {
  const listing =
    // eslint-disable-next-line no-template-curly-in-string -- dpkg-query's own ${field} format, not a template
    spawnSync('dpkg-query', ['-W', '-f', '${Package} ${source:Package}\n', ...names], { encoding: 'utf8' })
      .stdout ?? ''
  return new Map(
    listing
      .split('\n')
      .map(line => line.trim().split(' '))
      .filter(fields => fields.length === 2)
      .map(([name, source]) => [name!, source!])
  )
}

/** Which programs the system's names run: /usr/bin/python3 and every alternative's current choice. */
export function systemNames (): Record<string, string> {
  const names: Record<string, string> = {}
  if (existsSync('/usr/bin/python3')) names['/usr/bin/python3'] = realpathSync('/usr/bin/python3')
  const alternatives = spawnSync('update-alternatives', ['--get-selections'], { encoding: 'utf8' }).stdout ?? ''
  for (const line of alternatives.split('\n').filter(Boolean)) {
    const [name, , target] = line.trim().split(/\s+/)
    names[`alternative ${name!}`] = target!
  }
  return names
}

/** What `apt-get install` would do, simulated: packages installed new or upgraded, with their versions. */
function simulate (targets: string[]): PackageChange[] {
  const plan: PackageChange[] = []
  for (const line of apt(['install', '-s', '--no-install-recommends', ...targets]).split('\n')) {
    // "Inst libc6 [2.36-9] (2.41-12 Debian:13/trixie [amd64])" or "Inst docker.io (26.1.5 Debian:13/trixie [amd64])"
    const match = /^Inst (\S+) (?:\[(\S+)\] )?\((\S+) /.exec(line)
    if (match !== null) plan.push({ name: match[1]!, before: match[2] ?? null, after: match[3]! })
  }
  return plan
}

export const TRIXIE_SOURCE = '/etc/apt/sources.list.d/ipfs-liftoff-debian13.sources'
export const TRIXIE_PIN = '/etc/apt/preferences.d/ipfs-liftoff-debian13'

export interface EnsurePackagesOptions {
  /** Take the named packages (only they, and what they need) from Debian 13, pinned low for everything else. */
  fromTrixie?: boolean
  /** Where installing on this host is not wanted: the other way, for the one-line "missing" message. */
  otherwise: string
  log: (line: string) => void
}

/**
 * Installs the packages that are missing, for `tier`, and records what changed. Throws one line when it
 * cannot (not root, no apt) naming what is missing and the other way, or when apt would change which
 * program a system name runs.
 */
export function ensurePackages (tier: string, packages: string[], options: EnsurePackagesOptions): void {
  const before = installedPackages()
  const missing = packages.filter(name => !before.has(name))
  if (missing.length === 0) {
    return recordChanges(tier, { requested: packages, planned: [], changed: [], systemNames: 'unchanged' })
  }
  if (!canAptInstall()) {
    throw new Error(
      `missing ${missing.join(', ')}: install Debian's ${missing.join(' ')} (apt-get install --no-install-recommends ` +
        `${missing.join(' ')}), or ${options.otherwise}`
    )
  }

  const files: string[] = []
  if (options.fromTrixie === true && !existsSync(TRIXIE_SOURCE)) {
    writeFileSync(
      TRIXIE_SOURCE,
      'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: ' +
        '/usr/share/keyrings/debian-archive-keyring.gpg\n'
    )
    // priority 100: never chosen unless asked for by name (package/trixie) or needed by such a package
    writeFileSync(TRIXIE_PIN, 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n')
    files.push(TRIXIE_SOURCE, TRIXIE_PIN)
    updated = false
  }
  if (!updated) apt(['update', '-q'])
  updated = true

  const targets = missing.map(name => options.fromTrixie === true ? `${name}/trixie` : name)
  const planned = simulate(targets)
  const upgrades = planned.filter(change => change.before !== null)
  if (upgrades.some(change => change.name === 'python3' || change.name.startsWith('python3.'))) {
    throw new Error(
      `installing ${missing.join(' ')} would upgrade ${upgrades.map(change => change.name).join(', ')} and switch ` +
        `/usr/bin/python3: not done; ${options.otherwise}`
    )
  }
  const from = options.fromTrixie === true ? ' from Debian 13' : ''
  const count = `${planned.length} package${planned.length === 1 ? '' : 's'}`
  const versions = upgrades.map(change => `${change.name} ${change.before} → ${change.after}`).join(', ')
  const upgraded = upgrades.length > 0 ? `; upgraded to Debian 13's versions: ${versions}` : ''
  options.log(
    `installing ${missing.join(' ')}${from} with apt: ${count} (${planned.length - upgrades.length} new${upgraded})`
  )
  const namesBefore = systemNames()
  apt(['install', '-y', '-q', '--no-install-recommends', ...targets])

  const after = installedPackages()
  const changed: PackageChange[] = [...after]
    .filter(([name, version]) => before.get(name) !== version)
    .map(([name, version]) => ({ name, before: before.get(name) ?? null, after: version }))
  const namesAfter = systemNames()
  const switched = Object.keys(namesBefore).filter(name => namesAfter[name] !== namesBefore[name])
  recordChanges(tier, {
    requested: missing,
    ...(options.fromTrixie === true ? { suite: 'trixie' } : {}),
    planned,
    changed,
    files,
    systemNames:
      switched.length === 0
        ? 'unchanged'
        : switched.map(name => `${name}: ${namesBefore[name]} → ${namesAfter[name] ?? 'gone'}`)
  })
  if (switched.length > 0) {
    throw new Error(
      `installing ${missing.join(' ')} switched ${switched.join(', ')}; \`node scripts/liftoff.mjs clean:host\` ` +
        'removes what the tiers installed'
    )
  }
}

/**
 * The packages `packages` (from `suite`) depend on, transitively (Depends and Pre-Depends: no recommends), and
 * themselves.
 */
export function dependencyClosure (packages: string[], suite?: string): Set<string> {
  const listing =
    spawnSync(
      'apt-cache',
      [
        ...(suite === undefined ? [] : ['-o', `APT::Default-Release=${suite}`]),
        'depends',
        '--recurse',
        '--no-recommends',
        '--no-suggests',
        '--no-conflicts',
        '--no-breaks',
        '--no-replaces',
        '--no-enhances',
        ...packages
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
    ).stdout ?? ''
  const closure = new Set(packages)
  for (const line of listing.split('\n')) {
    const name = /^\s*(?:\|)?(?:Pre)?Depends: <?([^\s>]+)>?/.exec(line)?.[1] ?? /^(\S+)$/.exec(line)?.[1]
    if (name !== undefined) closure.add(name.replace(/:\w+$/, ''))
  }
  return closure
}

/**
 * The tier's commands, each with the Debian package that has it: the packages of those missing are
 * installed (ensurePackages); with every command there, nothing is installed and the run is recorded so.
 */
export function ensureCommands (
  tier: string,
  commands: Array<[command: string, debianPackage: string]>,
  options: EnsurePackagesOptions
): void {
  const missing = commands.filter(
    ([command]) => spawnSync(command, ['--version'], { stdio: 'ignore' }).error !== undefined
  )
  const packages = [...new Set(missing.map(([, name]) => name))]
  if (packages.length === 0) {
    return recordChanges(tier, { requested: [], planned: [], changed: [], systemNames: 'unchanged' })
  }
  ensurePackages(tier, packages, options)
}
