// A real OCI registry on loopback for the docker tier: the CNCF Distribution registry (the one Docker Hub's
// open-source registry image runs), built from its Go module into .tools/go/ like Kubo, storing on disk in a
// folder of the caller's. Images built here are pushed to it and run by digest, so a compute node pulls them
// from a registry as it would in production, without the internet.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildGoProgram, type Log } from '../lib/build-go-program.ts'
import { unusedPort } from '../testing/processes.ts'

export const DISTRIBUTION_VERSION = 'v3.1.2'

export interface Registry {
  /** host:port, as image references name it (127.0.0.1:<port>: Docker trusts loopback registries over HTTP). */
  host: string
  stop: () => Promise<void>
}

/** The registry's binary, built where missing (the docker tier does it in its set-up); returns its path. */
export async function buildRegistry (log: Log): Promise<string> {
  const dir = await buildGoProgram({
    name: 'registry',
    module: 'github.com/distribution/distribution/v3',
    version: DISTRIBUTION_VERSION,
    packages: ['./cmd/registry'],
    ldflags: ['-s', '-w']
  }, log)
  return join(dir, 'registry')
}

/** Starts the registry on a free loopback port, storing under `dir`. */
export async function startRegistry (dir: string, log: Log): Promise<Registry> {
  const binary = await buildRegistry(log)
  const host = `127.0.0.1:${await unusedPort()}`
  mkdirSync(join(dir, 'storage'), { recursive: true })
  const config = join(dir, 'config.yml')
  writeFileSync(config, [
    'version: 0.1',
    'log: { level: warn, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} } }`,
    `http: { addr: "${host}" }`
  ].join('\n') + '\n')
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  const errors: string[] = []
  child.stderr.setEncoding('utf8').on('data', (text: string) => errors.push(text))
  const exited = once(child, 'close')
  const giveUpAt = Date.now() + 30_000
  while (!(await fetch(`http://${host}/v2/`).then(response => response.ok, () => false))) {
    if (child.exitCode !== null) throw new Error(`the registry exited (${child.exitCode}): ${errors.join('').trim()}`)
    if (Date.now() > giveUpAt) throw new Error(`the registry did not answer on ${host} within 30 s`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  log(`registry ${DISTRIBUTION_VERSION} on ${host}`)
  return {
    host,
    stop: async () => {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}

/**
 * Pushes the local image `local` to `registry` as `name:tag` and removes the local copies, so whoever runs it
 * pulls it from the registry. Returns its reference by digest (host/name@sha256:…).
 */
export function pushImage (registry: Registry, local: string, name: string): string {
  const docker = (args: string[]): string => {
    const result = spawnSync('docker', args, { encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr.trim()}`)
    return result.stdout.trim()
  }
  const tagged = `${registry.host}/${name}:latest`
  docker(['tag', local, tagged])
  docker(['push', '--quiet', tagged])
  // the same bytes pushed before (to another registry, or another port) keep their digests there too
  const digests = docker(['image', 'inspect', '--format', '{{join .RepoDigests " "}}', tagged]).split(' ')
  const digest = digests.find(reference => reference.startsWith(`${registry.host}/${name}@sha256:`))
  if (digest === undefined) throw new Error(`docker push ${tagged} left no digest there: ${digests.join(' ')}`)
  docker(['image', 'rm', tagged, local])
  return digest
}
