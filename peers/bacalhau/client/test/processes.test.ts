// The example as a user runs it: the runner and the demo as separate processes.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import {
  expectExit, expectStop, startProcess, stopAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import { tempDir } from './fixtures.ts'
import type { Ready } from '../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..')

afterEach(stopAllProcesses)

async function startRunner (dataDir?: string) {
  const dir = dataDir ?? await tempDir()
  const env = { DATA_DIR: dir, API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const runner = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, label: 'runner', env })
  return { runner, ready: await waitForReady<Ready>(runner), dataDir: dir }
}

function runDemo (env: Record<string, string>) {
  return startProcess(['node', 'src/client.ts'], { cwd: exampleDir, env, label: 'demo' })
}

test('the demo process runs a job on the runner process with both publishers; SIGTERM stops it with 0', async () => {
  const { runner, ready, dataDir } = await startRunner()
  for (const publisher of ['ipfs', 'local']) {
    const input = join(exampleDir, 'src', 'wasm', 'wordcount.wat')
    const env = { BACALHAU_API: ready.api, IPFS_PEER: ready.ipfs[0]!, PUBLISHER: publisher, INPUT_FILE: input }
    const demo = runDemo(env)
    await expectExit(demo, 0)
    expect(demo.stdout.join('\n')).toMatch(/✓ matches a local count/)
  }
  expect(runner.stdout.join('\n')).toMatch(/NOT Bacalhau/)
  await expectStop(runner, 'SIGTERM')
  expect(existsSync(join(dataDir, 'ready.json'))).toBe(false)
})

test.each([
  [
    'an unreachable API',
    async () => ({ BACALHAU_API: `http://127.0.0.1:${await unusedPort()}` }),
    /^client: cannot reach the Bacalhau API at http:\/\/127\.0\.0\.1:\d+: /
  ],
  ['a bad PUBLISHER', async () => ({ PUBLISHER: 's3' }), /^client: PUBLISHER must be ipfs or local, got "s3"$/]
])('%s exits non-zero with a one-line error', async (_case, env, message) => {
  const demo = runDemo(await env())
  await expectExit(demo, 1)
  expect(demo.stderr).toEqual([expect.stringMatching(message)])
})

test('a missing input file and an unreachable IPFS peer exit non-zero with one-line errors', async () => {
  const { ready } = await startRunner()
  const missing = runDemo({ BACALHAU_API: ready.api, IPFS_PEER: ready.ipfs[0]!, INPUT_FILE: '/nonexistent/input.txt' })
  await expectExit(missing, 1)
  expect(missing.stderr).toEqual(['client: no such file: /nonexistent/input.txt'])
  const noIpfs = runDemo({ BACALHAU_API: ready.api, IPFS_PEER: `/ip4/127.0.0.1/tcp/${await unusedPort()}` })
  await expectExit(noIpfs, 1)
  expect(noIpfs.stderr)
    .toEqual([expect.stringMatching(/^client: cannot reach the IPFS node at \/ip4\/127\.0\.0\.1\/tcp\/\d+: /)])
})

test('a bad runner setting exits non-zero with a one-line error', async () => {
  const env = { DATA_DIR: await tempDir(), API_LISTEN: 'everywhere' }
  const runner = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, env })
  await expectExit(runner, 1)
  expect(runner.stderr).toEqual(['server: API_LISTEN must look like 127.0.0.1:1234, got "everywhere"'])
})

test('pnpm dev runs the whole loop and exits 0', async () => {
  const dev = startProcess(['node', 'src/run/dev.ts'], { cwd: exampleDir, label: 'dev', env: { BACKEND: 'runner' } })
  await expectExit(dev, 0)
  const output = dev.stdout.join('\n')
  expect(output).toMatch(/result \(ipfs bafy\w+\): .* ✓ matches a local count/)
  expect(output)
    .toMatch(/result \(http:\/\/127\.0\.0\.1:\d+\/results\/e-[\w-]+\.tar\.gz\): .* ✓ matches a local count/)
})
