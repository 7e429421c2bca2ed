// Reads docker-compose.yaml and docker/Dockerfile and turns compose services into local processes:
// the same command and environment (the image's ENV, then the service's), run from a `pnpm deploy` of the
// example (what the image's /app holds), with service names and 0.0.0.0 mapped to 127.0.0.1 and volumes
// and tmpfs mounts mapped to temp dirs: the topology exercised without an engine (the docker tier,
// scripts/docker/, runs the same file on a real one).
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

export const repoRoot = join(import.meta.dirname, '..', '..')

export interface ComposeService {
  image?: string
  build?: { context?: string, dockerfile?: string, args?: Record<string, string> }
  command?: string[] | string
  environment?: Record<string, string | number | boolean | null> | string[]
  volumes?: string[]
  tmpfs?: string[] | string
  healthcheck?: { test?: string[] | string }
  depends_on?: string[] | Record<string, { condition?: string }>
  profiles?: string[]
}

export interface ComposeFile {
  services: Record<string, ComposeService>
  volumes?: Record<string, unknown>
}

export function readComposeFile (): ComposeFile {
  return parse(readFileSync(join(repoRoot, 'docker-compose.yaml'), 'utf8'), { merge: true }) as ComposeFile
}

/** The services `docker compose --profile p1 --profile p2 up` starts: those without profiles plus the named ones. */
export function servicesInProfiles (compose: ComposeFile, profiles: string[] = []): string[] {
  return Object.entries(compose.services)
    .filter(
      ([, service]) => service.profiles === undefined || service.profiles.some(profile => profiles.includes(profile))
    )
    .map(([name]) => name)
}

interface ImageDefaults { workdir: string, env: Record<string, string> }

/** WORKDIR and ENV of the Dockerfile's final stage. */
export function imageDefaults (dockerfile = join(repoRoot, 'docker', 'Dockerfile')): ImageDefaults {
  const lines = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ').split('\n')
  const finalStage = lines.slice(lines.findLastIndex(line => /^FROM\s/i.test(line)))
  const defaults: ImageDefaults = { workdir: '/', env: {} }
  for (const line of finalStage) {
    const [instruction = '', ...rest] = line.trim().split(/\s+/)
    if (/^WORKDIR$/i.test(instruction)) defaults.workdir = rest.join(' ')
    if (/^ENV$/i.test(instruction)) {
      for (const pair of rest) {
        const [key = '', ...value] = pair.split('=')
        defaults.env[key] = value.join('=')
      }
    }
  }
  return defaults
}

export interface LocalService {
  name: string
  cwd: string
  command: string[]
  env: Record<string, string>
  healthcheck: string[] | undefined
  dependsOn: Array<{ service: string, condition: string }>
}

function environmentOf (service: ComposeService): Record<string, string> {
  if (Array.isArray(service.environment)) {
    return Object.fromEntries(service.environment.map(entry => {
      const [key = '', ...value] = entry.split('=')
      return [key, value.join('=')]
    }))
  }
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)])
  )
}

/**
 * `pnpm build:web` (where the example has pages) and `pnpm deploy --prod` of an example, as the Dockerfile's build
 * stage does; returns the directory.
 */
export function deployExample (example: string, into: string): string {
  const pnpm =
    process.env.npm_execpath !== undefined && /pnpm/.test(process.env.npm_execpath) ? process.env.npm_execpath : 'pnpm'
  const command = pnpm.endsWith('.cjs') || pnpm.endsWith('.js') ? [process.execPath, pnpm] : [pnpm]
  execFileSync(command[0]!, [...command.slice(1), '--filter', `./${example}`, 'run', '--if-present', 'build:web'], {
    cwd: repoRoot,
    stdio: 'pipe'
  })
  execFileSync(command[0]!, [...command.slice(1), '--filter', `./${example}`, 'deploy', '--prod', '--legacy', into], {
    cwd: repoRoot,
    stdio: 'pipe'
  })
  return into
}

export function localPlan (compose: ComposeFile, names: string[], tempRoot: string): LocalService[] {
  const image = imageDefaults()
  const deployed = new Map<string, string>()
  const serviceNames = Object.keys(compose.services)
  return names.map(name => {
    const service = compose.services[name]
    if (service === undefined) throw new Error(`no service ${name}`)
    const example = service.build?.args?.EXAMPLE
    if (example === undefined) throw new Error(`service ${name} is not built from an example (no build arg EXAMPLE)`)
    if (!deployed.has(example)) {
      deployed.set(example, deployExample(example, join(tempRoot, 'images', example.replaceAll('/', '-'))))
    }

    const pathMap: Array<[string, string]> = [[image.workdir, deployed.get(example)!]]
    for (const volume of service.volumes ?? []) {
      const [source = '', target = ''] = volume.split(':')
      const local = source.startsWith('.') ? join(repoRoot, source) : join(tempRoot, 'volumes', source)
      mkdirSync(local, { recursive: true })
      pathMap.push([target, local])
    }
    for (const target of [service.tmpfs ?? []].flat()) {
      const local = join(tempRoot, 'tmpfs', name, target)
      mkdirSync(local, { recursive: true })
      pathMap.push([target, local])
    }
    const toLocal = (value: string): string => {
      let mapped = value.replaceAll('/ip4/0.0.0.0/', '/ip4/127.0.0.1/').replace(/^0\.0\.0\.0:/, '127.0.0.1:')
      for (const other of serviceNames) {
        mapped = mapped.replaceAll(`/dns4/${other}/`, '/ip4/127.0.0.1/').replaceAll(`//${other}:`, '//127.0.0.1:')
      }
      // one mapping a value: a mapped path can itself lie under /tmp (the temp root), a tmpfs target too
      const mount = pathMap.find(
        ([containerPath]) => mapped === containerPath || mapped.startsWith(`${containerPath}/`)
      )
      if (mount !== undefined) mapped = mount[1] + mapped.slice(mount[0].length)
      return mapped
    }

    const env = Object.fromEntries(
      Object.entries({ ...image.env, ...environmentOf(service) }).map(([key, value]) => [key, toLocal(value)])
    )
    const command = typeof service.command === 'string' ? service.command.split(/\s+/) : service.command
    if (command === undefined) throw new Error(`service ${name} has no command`)
    const test =
      typeof service.healthcheck?.test === 'string'
        ? ['CMD-SHELL', service.healthcheck.test]
        : service.healthcheck?.test
    const dependsOn = Array.isArray(service.depends_on)
      ? service.depends_on.map(dependency => ({ service: dependency, condition: 'service_started' }))
      : Object.entries(service.depends_on ?? {}).map(([dependency, options]) => ({
        service: dependency,
        condition: options.condition ?? 'service_started'
      }))
    return {
      name,
      cwd: deployed.get(example)!,
      command: command.map(toLocal),
      env,
      healthcheck: test === undefined || test[0] === 'NONE' ? undefined : test.map(toLocal),
      dependsOn
    }
  })
}
