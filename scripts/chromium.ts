// What the browser tier needs before its tests: Debian's Chromium (no test tool may download a browser of
// its own here). Uses CHROMIUM_PATH or /usr/bin/chromium; where neither exists and this is root with apt,
// installs Debian's `chromium` package; otherwise says in one line what to install, and exits 1.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(path)) {
  const canInstall = process.env.CHROMIUM_PATH === undefined && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
  if (!canInstall) {
    console.error(`browser tier: no Chromium at ${path}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`)
    process.exit(1)
  }
  console.error('browser tier: installing Debian\'s chromium package with apt')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-q'], ['install', '-y', '-q', 'chromium']]) {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] })
    if (result.status !== 0) {
      console.error(`browser tier: apt-get ${args.join(' ')} failed (exit ${result.status})`)
      process.exit(1)
    }
  }
}
