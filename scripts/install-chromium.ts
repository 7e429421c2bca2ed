// What the browser tier needs before its tests: Debian's Chromium (no test tool may download a browser of
// its own here). Uses CHROMIUM_PATH or /usr/bin/chromium; where neither exists and this is root with apt,
// installs Debian's `chromium` package (scripts/lib/apt.ts: it and what it depends on, no recommends); otherwise
// says in one line what to install, and exits 1.
import { existsSync } from 'node:fs'
import { ensurePackages } from './lib/apt.ts'
import { recordChanges } from './lib/host-record.ts'

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const fail = (line: string): never => {
  console.error(`browser tier: ${line}`)
  process.exit(1)
}
if (existsSync(path)) recordChanges('browser', { requested: [], planned: [], changed: [], systemNames: 'unchanged' })
else if (process.env.CHROMIUM_PATH !== undefined) fail(`no Chromium at CHROMIUM_PATH ${path}`)
else {
  try {
    ensurePackages('browser', ['chromium'], {
      otherwise: 'set CHROMIUM_PATH to a Chromium you have',
      log: line => console.error(`browser tier: ${line}`)
    })
  } catch (err) {
    fail((err as Error).message)
  }
}
