// `node scripts/liftoff.mjs clean:host`: undoes what the test tiers changed on this machine, as recorded in
// .tools/host-changes.json (scripts/lib/host-record.ts): the Docker images and volumes they built, the packages
// they installed that were not there before (only where removing them removes nothing else), the apt source
// and pin for Debian 13, a Docker data directory they created, kernel settings they changed. Prints what it
// could not undo (packages upgraded: downgrading libc and the like is not safe), and removes the network
// namespaces and lab files a faults or NAT run left behind when it died.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { canAptInstall, installedPackages, TRIXIE_PIN, TRIXIE_SOURCE } from './lib/apt.ts'
import { readRecord, writeRecord, type HostRecord } from './lib/host-record.ts'

const say = (line: string): void => console.log(`clean:host: ${line}`)
const record = readRecord()
const left: HostRecord = { packages: [], files: [], directories: [], settings: [], images: [], volumes: [] }
const notUndone: string[] = []

function run (command: string, args: string[]): { ok: boolean, stdout: string, stderr: string } {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024
  })
  return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '' }
}

// Docker's images and volumes first, while the engine is still installed
if (record.images.length + record.volumes.length > 0) {
  if (run('docker', ['info']).ok) {
    for (const volume of record.volumes) {
      if (!run('docker', ['volume', 'rm', volume]).ok && run('docker', ['volume', 'inspect', volume]).ok) {
        left.volumes.push(volume)
      }
    }
    for (const image of record.images) {
      if (!run('docker', ['image', 'rm', image]).ok && run('docker', ['image', 'inspect', image]).ok) {
        left.images.push(image)
      }
    }
    say(
      `removed ${record.images.length - left.images.length} images and ` +
        `${record.volumes.length - left.volumes.length} volumes the docker tier built`
    )
  } else if (record.directories.includes('/var/lib/docker')) {
    say('no Docker engine runs: its images and volumes go with /var/lib/docker below')
  } else {
    left.images.push(...record.images)
    left.volumes.push(...record.volumes)
    notUndone.push(
      `images ${record.images.join(' ')} and volumes ${record.volumes.join(' ')}: ` +
        'no Docker engine runs (start it and run clean:host again)'
    )
  }
}

// packages installed new (upgrades cannot be undone), newest installs first
const installedNew = [
  ...new Set(
    record.packages.flatMap(install =>
      install.changed.filter(change => change.before === null).map(change => change.name)
    )
  )
]
const upgraded = record.packages.flatMap(install =>
  install.changed
    .filter(change => change.before !== null)
    .map(change => `${change.name} ${change.before} → ${change.after}`)
)
const present = installedPackages()
const toRemove = installedNew.filter(name => present.has(name))
if (toRemove.length > 0) {
  if (!canAptInstall()) {
    notUndone.push(`packages ${toRemove.join(' ')}: removing them needs root and apt`)
    left.packages.push(...record.packages)
  } else {
    // only if removing them removes nothing that was installed otherwise
    const simulated = run('apt-get', ['purge', '-s', ...toRemove])
      .stdout.split('\n')
      .flatMap(line => /^Purg (\S+)/.exec(line)?.[1] ?? [])
    const others = simulated.filter(name => !installedNew.includes(name))
    if (others.length > 0) {
      notUndone.push(
        `packages ${toRemove.join(' ')}: removing them would also remove ${others.join(' ')}, installed since`
      )
      left.packages.push(...record.packages)
    } else {
      const purged = run('apt-get', ['purge', '-y', '-q', ...toRemove])
      if (purged.ok) say(`removed ${toRemove.length} packages the tiers installed: ${toRemove.join(' ')}`)
      else {
        notUndone.push(
          `packages ${toRemove.join(' ')}: apt-get purge failed (${purged.stderr.trim().split('\n').at(-1)})`
        )
        left.packages.push(...record.packages)
      }
    }
  }
}
if (upgraded.length > 0) notUndone.push(`upgraded, left as they are (downgrading is not safe): ${upgraded.join(', ')}`)

// the apt source and pin (also those an older version of the tiers wrote without recording them)
const aptFiles = [...new Set([...record.files, TRIXIE_SOURCE, TRIXIE_PIN])].filter(file => existsSync(file))
for (const file of aptFiles) rmSync(file)
if (aptFiles.length > 0) {
  run('apt-get', ['update', '-q'])
  say(`removed ${aptFiles.join(' and ')}`)
}

for (const directory of record.directories) {
  if (directory === '/var/lib/docker' && run('docker', ['info']).ok) {
    notUndone.push('/var/lib/docker: a Docker engine runs on it now')
    left.directories.push(directory)
    continue
  }
  rmSync(directory, { recursive: true, force: true })
  say(`removed ${directory}, which the docker tier created`)
}

for (const setting of record.settings) {
  if (run('sysctl', ['-q', '-w', `${setting.key}=${setting.before}`]).ok) {
    say(`set ${setting.key} back to ${setting.before}`)
  } else {
    notUndone.push(`${setting.key}: could not set it back to ${setting.before}`)
    left.settings.push(setting)
  }
}

// what a faults or NAT run that died left: its network namespaces (lf-*, lfn-*) and the lab's hosts files
const namespaces = run('ip', ['netns', 'list'])
  .stdout.split('\n')
  .map(line => line.split(' ')[0] ?? '')
  .filter(name => /^lfn?-/.test(name))
for (const namespace of namespaces) run('ip', ['netns', 'delete', namespace])
const labEtc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter(name => name.startsWith('lfn-')) : []
for (const name of labEtc) rmSync(join('/etc/netns', name), { recursive: true, force: true })
if (namespaces.length + labEtc.length > 0) {
  say(`removed ${namespaces.length} network namespaces and ${labEtc.length} lab hosts files a test run left`)
}

writeRecord(left)
for (const line of notUndone) say(`not undone: ${line}`)
if (notUndone.length === 0) say('nothing left of what the tiers changed')
