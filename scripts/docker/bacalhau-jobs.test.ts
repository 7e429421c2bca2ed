// Docker jobs on real Bacalhau v1.9.3: its compute node with the Docker executor on, over this tier's engine.
// The example's container (peers/bacalhau/client/src/container) is built on the base image, pushed to a real
// registry on loopback (scripts/docker/registry.ts) and removed here, so the node pulls it by digest; the
// demo puts its input into IPFS, Bacalhau reads it from Kubo by CID and publishes the output to Kubo.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { onCleanup, tempDir } from '../testing/cleanup.ts'
import { findBinaries, startRealBacalhau } from '../../peers/bacalhau/client/src/run/bacalhau.ts'
import { runDemo } from '../../peers/bacalhau/client/src/client.ts'
import { baseImageName } from './engine.ts'
import { pushImage, startRegistry } from './registry.ts'

const example = join(import.meta.dirname, '..', '..', 'peers', 'bacalhau', 'client')

test('a Docker job on real Bacalhau v1.9.3: the image pulled by digest from the local registry, ' +
  'the input by CID from Kubo, the output published to Kubo and checked', async () => {
  const binaries = findBinaries()
  if (typeof binaries === 'string') throw new Error(binaries)
  const dir = await tempDir('liftoff-bacalhau-docker-')
  const registry = await startRegistry(join(dir, 'registry'), () => {})
  onCleanup('stop the registry', registry.stop)
  const local = 'liftoff/bacalhau-wordcount:test'
  const context = join(example, 'src', 'container')
  const build = spawnSync('docker', ['build', '--quiet', '--build-arg', `BASE_IMAGE=${baseImageName()}`, '--tag', local,
    context], { encoding: 'utf8' })
  expect(build.status, build.stderr).toBe(0)
  const image = pushImage(registry, local, 'liftoff/bacalhau-wordcount')
  expect(image).toMatch(new RegExp(`^${registry.host}/liftoff/bacalhau-wordcount@sha256:[0-9a-f]{64}$`))
  onCleanup('remove the pulled image', () => spawnSync('docker', ['image', 'rm', '--force', image]))

  const daemonLog: string[] = []
  const bacalhau = await startRealBacalhau(binaries, join(dir, 'bacalhau'), line => daemonLog.push(line),
    { docker: true })
  onCleanup('stop Bacalhau and Kubo', bacalhau.stop)
  const inputFile = join(dir, 'input.txt')
  await writeFile(inputFile, 'compute over data\nin a container\n\tpulled from a registry\n')
  const lines: string[] = []
  const outcome = await runDemo({
    api: bacalhau.api,
    auth: undefined,
    ipfsPeer: bacalhau.ipfsPeer,
    inputFile,
    publisher: 'ipfs',
    image,
    waitTimeoutMs: 120_000
  }, line => lines.push(line)).catch((err: Error) => {
    throw new Error(`${err.message}\n--- demo\n${lines.join('\n')}\n--- bacalhau\n${daemonLog.slice(-30).join('\n')}`)
  })
  expect(outcome.result, lines.join('\n')).toMatch(/^ipfs (bafy|Qm)\w+$/)
  expect(outcome.counts).toEqual({ bytes: 57, lines: 3, words: 10 })
  expect(lines.join('\n')).toMatch(/stdout: counted \/inputs\/data\.txt: 57 bytes, 3 lines, 10 words \(exit code 0\)/)
  // the node pulled it: the engine holds the image by that digest now
  const pulled = spawnSync('docker', ['image', 'inspect', '--format', '{{index .RepoDigests 0}}', image], {
    encoding: 'utf8'
  })
  expect(pulled.stdout.trim(), pulled.stderr).toBe(image)
}, 600_000)
