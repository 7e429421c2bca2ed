// The compose profiles that run peers nobody here wrote: Kubo v0.43.0 with the TypeScript client (profile
// kubo), and real Bacalhau v1.9.3, orchestrator and WASM compute node, with Kubo as its IPFS node (profile
// bacalhau). They run the official images, or where the registry cannot be reached the docker tier's
// stand-ins (liftoff/kubo-standin, liftoff/bacalhau-standin: the same versions built with Go): KUBO_IMAGE
// and BACALHAU_IMAGE say which, and so do the test titles.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { compose, finishedService } from '../testing/docker.ts'
import { expectExitCode } from '../testing/processes.ts'

const profiles = ['--profile', 'kubo', '--profile', 'bacalhau']
const kuboImage = process.env.KUBO_IMAGE ?? 'ipfs/kubo:v0.43.0'
const bacalhauImage = process.env.BACALHAU_IMAGE ?? 'ghcr.io/bacalhau-project/bacalhau:v1.9.3'

beforeAll(async () => { await compose([...profiles, 'down', '--volumes', '--remove-orphans']) }, 120_000)
afterAll(async () => { await compose([...profiles, 'down', '--volumes', '--remove-orphans']) }, 120_000)

test(`profile kubo: Kubo v0.43.0 in ${kuboImage}, the TypeScript client's demo against it`, async () => {
  await compose(['--profile', 'kubo', 'up', '--build', '--detach', 'ipfs-kubo-client'], 900_000)
  const client = await finishedService('ipfs-kubo-client', ['kubo'])
  expectExitCode(client, 0)
  const { stdout } = client
  expect(stdout).toMatch(/^Kubo 0\.43\.0 12D3KooW\w+ at http:\/\/ipfs-kubo:5001$/m)
  expect(stdout).toMatch(/equal to the file ✓/)
})

test(`profile bacalhau: real Bacalhau v1.9.3 in ${bacalhauImage} (orchestrator + WASM compute node, Kubo in ` +
  `${kuboImage}) runs the compute-over-data demo`, async () => {
  await compose(['--profile', 'bacalhau', 'up', '--build', '--detach', 'bacalhau-demo-real'], 900_000)
  const demo = await finishedService('bacalhau-demo-real', ['bacalhau'])
  expectExitCode(demo, 0)
  const { stdout } = demo
  expect(stdout).toMatch(/^Bacalhau API http:\/\/bacalhau-orchestrator:1234: v1\.9\.3$/m)
  expect(stdout).toMatch(/✓ matches a local count/)
})
