// `liftoff new ipfs/kubo`: the Kubo example made into a standalone project outside the repo, then run as its
// user would against the Kubo this tier built: install, dev, and its own tests (the main suite installs and
// typechecks it; only this tier has the binary).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { scaffold } from '../new.ts'
import { binaryPath, realPeers } from '../real-peers.ts'
import { runToEnd, terminateAllProcesses } from '../testing/processes.ts'

afterEach(terminateAllProcesses)
let dir: string
beforeAll(async () => { dir = join(await mkdtemp(join(tmpdir(), 'liftoff-new-')), 'my-kubo') })
afterAll(async () => { await rm(join(dir, '..'), { recursive: true, force: true }) })

test('new ipfs/kubo: pnpm install, dev and test pass outside the repo with KUBO_BINARY', async () => {
  await scaffold('ipfs/kubo', dir, () => {})
  const env = { KUBO_BINARY: binaryPath(realPeers().kubo) }
  await runToEnd(['pnpm', 'install', '--frozen-lockfile', '--prefer-offline'], { cwd: dir })
  const dev = await runToEnd(['pnpm', 'dev'], { cwd: dir, env })
  expect(dev.join('\n')).toMatch(/equal to README.md ✓/)
  await runToEnd(['pnpm', 'test'], { cwd: dir, env })
}, 600_000)
