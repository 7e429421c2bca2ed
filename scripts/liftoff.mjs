#!/usr/bin/env node
// Bootstraps the repo's toolchain inside the repo, then runs `pnpm <args>` with it.
//   node scripts/liftoff.mjs dev     # the main demo
//   node scripts/liftoff.mjs test    # the whole test suite
// Needs only a system Node (any version that runs this file) and npm. When the system Node is older than
// the floor, a Node binary from the npm registry is installed into .tools/; pnpm is always taken from
// .tools/ at the version pinned in package.json's "packageManager". Nothing outside the repo is touched
// except npm's and pnpm's package caches. A second run with nothing changed installs nothing.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const toolsDir = join(repoRoot, '.tools')
const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
const nodeFloor = rootManifest.liftoff.nodeFloor // e.g. "22.19.0"
const bundledNodeVersion = rootManifest.liftoff.nodeVersion // e.g. "24.21.0"
const pnpmVersion = rootManifest.packageManager.replace(/^pnpm@/, '').replace(/\+.*$/, '')

function fail (message) {
  console.error(`liftoff: ${message}`)
  process.exit(1)
}

function versionAtLeast (version, floor) {
  const a = version.replace(/^v/, '').split('.').map(Number)
  const b = floor.split('.').map(Number)
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] > b[i]
  }
  return true
}

function run (command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: repoRoot, ...options })
  if (result.error) fail(`could not run ${command}: ${result.error.message}`)
  return result.status ?? 1
}

function installedVersion (packageName) {
  const manifestPath = join(toolsDir, 'node_modules', packageName, 'package.json')
  return existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')).version : undefined
}

function npmInstallIntoTools (specs) {
  mkdirSync(toolsDir, { recursive: true })
  if (!existsSync(join(toolsDir, 'package.json'))) {
    writeFileSync(join(toolsDir, 'package.json'), '{ "private": true }\n')
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  console.error(`liftoff: installing ${specs.join(' ')} into .tools/`)
  const status = run(npm, ['install', '--prefix', toolsDir, '--no-audit', '--no-fund', '--loglevel=error', ...specs])
  if (status !== 0) fail(`npm install ${specs.join(' ')} failed (exit ${status})`)
}

/** Returns the path of a Node binary >= the floor: the system one if new enough, else one in .tools/. */
function ensureNode () {
  if (versionAtLeast(process.version, nodeFloor)) return process.execPath
  const platformPackage = `node-${process.platform}-${process.arch}`
  if (installedVersion(platformPackage) !== bundledNodeVersion) {
    console.error(
      `liftoff: Node ${process.version} is older than ${nodeFloor}; ` +
        `fetching Node ${bundledNodeVersion} from the npm registry`
    )
    npmInstallIntoTools([`${platformPackage}@${bundledNodeVersion}`])
  }
  const nodeBinary = join(toolsDir, 'node_modules', platformPackage, 'bin', 'node')
  if (!existsSync(nodeBinary)) fail(`no Node binary at ${nodeBinary}; install Node >= ${nodeFloor} yourself`)
  return nodeBinary
}

function ensurePnpm () {
  if (installedVersion('pnpm') !== pnpmVersion) npmInstallIntoTools([`pnpm@${pnpmVersion}`])
  return join(toolsDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')
}

const nodeBinary = ensureNode()
const pnpmEntry = ensurePnpm()

// Child processes (pnpm scripts, vitest, spawned examples) find this node and pnpm first on PATH.
const shimDir = join(toolsDir, 'bin')
mkdirSync(shimDir, { recursive: true })
const pnpmShim = join(shimDir, 'pnpm')
const pnpmShimText = `#!/bin/sh\nexec "${nodeBinary}" "${pnpmEntry}" "$@"\n`
if (!existsSync(pnpmShim) || readFileSync(pnpmShim, 'utf8') !== pnpmShimText) {
  writeFileSync(pnpmShim, pnpmShimText, { mode: 0o755 })
}
const env = {
  ...process.env,
  PATH: [shimDir, dirname(nodeBinary), process.env.PATH].join(process.platform === 'win32' ? ';' : ':'),
  npm_config_manage_package_manager_versions: 'false',
  // where the user ran this: `new <example> <dir>` resolves <dir> against it (pnpm runs in the repo root)
  LIFTOFF_CWD: process.env.LIFTOFF_CWD ?? process.cwd()
}

// Install workspace dependencies only when the lockfile or the Node version changed since the last install.
const lockfile = readFileSync(join(repoRoot, 'pnpm-lock.yaml'))
const installStamp = createHash('sha256').update(lockfile).update(nodeBinary).update(pnpmVersion).digest('hex')
const stampFile = join(repoRoot, 'node_modules', '.liftoff-install-stamp')
if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== installStamp) {
  const status = run(nodeBinary, [pnpmEntry, 'install', '--frozen-lockfile'], { env })
  if (status !== 0) fail(`pnpm install --frozen-lockfile failed (exit ${status})`)
  writeFileSync(stampFile, installStamp)
}

const args = process.argv.slice(2)
// `new` prints its own outcome in a line or two, `cached --will-run` answers by its exit code: no pnpm banner
// or ELIFECYCLE line around them
const quiet = ['new', 'cached'].includes(args[0]) ? ['--silent'] : []
process.exit(run(nodeBinary, [pnpmEntry, ...quiet, ...(args.length > 0 ? args : ['dev'])], { env }))
