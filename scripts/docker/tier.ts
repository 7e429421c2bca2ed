// `pnpm test:docker` (node scripts/liftoff.mjs test:docker): the compose networks on a real Docker engine.
// Brings the engine, the base image and the Kubo and Bacalhau images it needs (scripts/docker/engine.ts;
// stand-ins built with Go when the registry cannot be reached), the OCI registry for Docker jobs (registry.ts),
// runs the tests in scripts/docker/, and stops the engine again when it started it.
import { join } from 'node:path'
import {
  ensureBaseImage,
  ensureDiskSpace,
  ensureEngine,
  ensureProfileImages,
  recordBuilt,
  type Engine
} from './engine.ts'
import { buildRegistry } from './registry.ts'
import { runVitest } from '../lib/run-vitest.ts'

const log = (line: string): void => console.error(`docker tier: ${line}`)

let engine: Engine | undefined
let code = 1
try {
  engine = await ensureEngine(log)
  // the images take about 5 GiB, and each rebuild leaves build cache behind (which filled a disk once)
  ensureDiskSpace('docker', 10, 'for its images and their build cache')
  ensureBaseImage(log)
  const images = await ensureProfileImages(log)
  log(`profiles kubo and bacalhau run ${images.KUBO_IMAGE} and ${images.BACALHAU_IMAGE}`)
  log(`the registry for Docker jobs: ${await buildRegistry(log)}`)
  code = await runVitest(join(import.meta.dirname, 'vitest.config.ts'), { ...process.env, ...images })
  recordBuilt()
} catch (err) {
  console.error(`docker tier: ${(err as Error).message}`)
} finally {
  await engine?.stop()
}
process.exit(code)
