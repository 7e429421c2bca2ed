// The same contract as test/contract.test.ts, against real Bacalhau v1.9.3 (built by the repo's
// scripts/real-peers.ts, or BACALHAU_BINARY) with a Kubo daemon as its IPFS node; and Bacalhau's own CLI
// reading a job this client submitted.
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../../../../../scripts/testing/cleanup.ts'
import {
  expectExit, expectExitCode, startProcess, terminateAllProcesses
} from '../../../../../scripts/testing/processes.ts'
import { findBinaries, startRealBacalhau, type Binaries } from '../../src/run/bacalhau.ts'
import { BacalhauClient } from '../../src/client/index.ts'
import { bacalhauContract } from '../contract-suite.ts'
import { PROGRAMS, wasmJob } from '../fixtures.ts'

const found = findBinaries()
if (typeof found === 'string') throw new Error(`these tests run real Bacalhau: ${found}`)
const binaries: Binaries = found

afterEach(terminateAllProcesses)

bacalhauContract('real Bacalhau', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-real-bacalhau-'))
  const bacalhau = await startRealBacalhau(binaries, dataDir)
  const { Nodes } = await new BacalhauClient({ baseUrl: bacalhau.api }).nodes()
  return {
    api: bacalhau.api,
    ipfsPeer: bacalhau.ipfsPeer,
    nodeName: Nodes![0]!.Info.NodeID, // src/bacalhau.ts names it; an unnamed node's n-<uuid> would be shortened
    stop: async () => {
      await bacalhau.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
})

test('Bacalhau\'s own CLI describes a job this client submitted', async () => {
  const dataDir = await tempDir()
  const bacalhau = await startRealBacalhau(binaries, join(dataDir, 'node'))
  try {
    const client = new BacalhauClient({ baseUrl: bacalhau.api })
    const job = await wasmJob(PROGRAMS.printEnvironment, { env: { GREETING: 'from the typed client' } })
    const { JobID } = await client.submitJob(job)
    await client.waitForJob(JobID, { signal: AbortSignal.timeout(60_000) })
    const { port } = new URL(bacalhau.api)
    const described = spawnSync(binaries.bacalhau, ['job', 'describe', JobID, '--output', 'json'], {
      encoding: 'utf8',
      env: {
        ...process.env, BACALHAU_API_HOST: '127.0.0.1', BACALHAU_API_PORT: port, BACALHAU_DIR: join(dataDir, 'cli')
      }
    })
    const { status, stdout, stderr } = described
    expectExitCode({ label: 'bacalhau job describe', code: status, stdout, stderr }, 0)
    // the CLI says "Initializing repo at …" on its first run, before the JSON
    type Described = {
      Job: { ID: string, State: { StateType: string }, Tasks: Array<{ Env: Record<string, string> }> }
    }
    const { Job } = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Described
    expect(Job.ID).toBe(JobID)
    expect(Job.State.StateType).toBe('Completed')
    expect(Job.Tasks[0]!.Env.GREETING).toBe('from the typed client')
  } finally {
    await bacalhau.stop()
  }
})

test('pnpm dev runs the demo on real Bacalhau when its binary is there, and says so', async () => {
  const cwd = join(import.meta.dirname, '..', '..')
  const dev = startProcess(['node', 'src/run/dev.ts'], { cwd, label: 'dev', env: { BACKEND: 'bacalhau' } })
  await expectExit(dev, 0)
  const output = dev.stdout.join('\n')
  expect(output).toMatch(/using real Bacalhau v1\.9\.3/)
  expect(output).toMatch(/Bacalhau API http:\/\/127\.0\.0\.1:\d+: v1\.9\.3\n/)
  expect(output).toMatch(/result \(ipfs (Qm|bafy)\w+\): .* ✓ matches a local count/)
  expect(output).toMatch(/result \(http:\/\/127\.0\.0\.1:\d+\/e-[\w-]+\.tar\.gz\): .* ✓ matches a local count/)
})
