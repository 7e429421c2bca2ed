// What the browser tier needs before its tests: Debian's Chromium (no test tool may download a browser of
// its own here). Uses CHROMIUM_PATH or /usr/bin/chromium; where neither exists and this is root with apt,
// installs Debian's `chromium` package; otherwise says in one line what to install, and exits 1.
import { existsSync } from 'node:fs'
import { aptInstall, canAptInstall } from './apt.ts'

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(path)) {
  if (process.env.CHROMIUM_PATH !== undefined || !canAptInstall()) {
    console.error(`browser tier: no Chromium at ${path}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`)
    process.exit(1)
  }
  console.error('browser tier: installing Debian\'s chromium package with apt')
  try {
    aptInstall(['chromium'])
  } catch (err) {
    console.error(`browser tier: ${(err as Error).message}`)
    process.exit(1)
  }
}
