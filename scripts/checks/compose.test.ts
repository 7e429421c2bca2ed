import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { localPlan, readComposeFile, servicesInProfiles, type LocalService } from '../testing/compose.ts'
import { COMPOSE_GO, goModuleDir } from '../testing/go-module.ts'
import { expectExit, expectStop, startProcess, stopAllProcesses, type RoleProcess } from '../testing/processes.ts'

const compose = readComposeFile()
let tempRoot: string

beforeAll(async () => { tempRoot = await mkdtemp(join(tmpdir(), 'liftoff-compose-')) })
afterEach(stopAllProcesses)
afterAll(async () => { await rm(tempRoot, { recursive: true, force: true }) })

test('docker-compose.yaml is valid against the Compose specification schema (compose-go ' +
  `${COMPOSE_GO.version})`, async () => {
  const schemaPath = join(await goModuleDir(COMPOSE_GO), 'schema', 'compose-spec.json')
  const { $schema: _dialect, ...schema } = JSON.parse(await readFile(schemaPath, 'utf8')) as Record<string, unknown>
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)
  const valid = validate(compose)
  expect(validate.errors ?? [], 'schema errors').toEqual([])
  expect(valid).toBe(true)
})

test('every service is built from the shared Dockerfile or names a ' +
  'pinned image, and every client waits for a healthy server', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.build !== undefined) {
      expect(service.build.dockerfile, name).toBe('docker/Dockerfile')
      expect(service.build.args?.EXAMPLE, name).toMatch(/^peers\/[^/]+\/[^/]+$/)
    } else {
      // an official image at a pinned version, or the variable that names another and defaults to it
      expect(service.image?.replace(/^\$\{[A-Z_]+:-(.+)\}$/, '$1'), name).toMatch(/^[\w./-]+:[\w.-]*\d[\w.-]*$/)
    }
    for (const [dependency, options] of Object.entries(service.depends_on ?? {})) {
      expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined()
      if (compose.services[dependency]?.healthcheck !== undefined) {
        expect(options, `${name} → ${dependency}`).toMatchObject({ condition: 'service_healthy' })
      }
    }
  }
})

/** Docker's size units (mem_limit: "768m", "1g", or bytes). */
function bytesOf (size: string | number): number {
  if (typeof size === 'number') return size
  const match = /^(\d+)([bkmg]?)$/i.exec(size)
  if (match === null) throw new Error(`not a size: ${size}`)
  return Number(match[1]) * 1024 ** ['b', 'k', 'm', 'g'].indexOf((match[2] || 'b').toLowerCase())
}

/**
 * Not read-only: real Bacalhau keeps its repo and its CLI's settings under $HOME, which differs by image; compose
 * copies Kubo's inline init script into its container, which Docker refuses for a read-only root.
 */
const WRITABLE_ROOT = ['bacalhau-orchestrator', 'bacalhau-compute', 'ipfs-kubo', 'bacalhau-kubo']

test('every service runs with no-new-privileges and a memory limit, ' +
  'read-only (tmpfs for /tmp) where it fits, no mount point twice', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    const hardened = service as typeof service & {
      security_opt?: string[]
      read_only?: boolean
      mem_limit?: string | number
    }
    expect(hardened.security_opt, name).toContain('no-new-privileges:true')
    expect(hardened.mem_limit, `${name}: mem_limit`).toBeDefined()
    expect(bytesOf(hardened.mem_limit!), name).toBeGreaterThanOrEqual(128 * 1024 ** 2)
    expect(bytesOf(hardened.mem_limit!), name).toBeLessThanOrEqual(1024 ** 3)
    const tmpfs = [service.tmpfs ?? []].flat()
    if (WRITABLE_ROOT.includes(name)) {
      expect(hardened.read_only, name).toBeUndefined()
    } else {
      expect(hardened.read_only, name).toBe(true)
      expect(tmpfs, name).toContain('/tmp')
    }
    const targets = [...(service.volumes ?? []).map(volume => volume.split(':')[1]), ...tmpfs]
    expect(targets.length, `${name}: ${targets.join(', ')}`).toBe(new Set(targets).size)
  }
})

async function becomesHealthy (service: LocalService, role: RoleProcess, timeoutMs = 60_000): Promise<void> {
  const [kind, ...args] = service.healthcheck ?? []
  const check = kind === 'CMD-SHELL' ? ['sh', '-c', args.join(' ')] : args
  const giveUpAt = Date.now() + timeoutMs
  while (Date.now() < giveUpAt) {
    if (role.child.exitCode !== null) {
      throw new Error(
        `${service.name} exited (${role.child.exitCode}) before it was healthy: ${role.stderr.join('\n')}`
      )
    }
    if (
      spawnSync(check[0]!, check.slice(1), { cwd: service.cwd, env: { ...process.env, ...service.env } }).status === 0
    ) { return }
    await new Promise(resolve => setTimeout(resolve, 250)) // healthchecks are polled, as Docker does
  }
  throw new Error(`${service.name} was not healthy within ${timeoutMs} ms`)
}

test('every profile names only services that exist, and every profile can start on its own', () => {
  const profiles = new Set(Object.values(compose.services).flatMap(service => service.profiles ?? []))
  expect(profiles.size).toBeGreaterThan(0)
  for (const profile of profiles) {
    const names = new Set(servicesInProfiles(compose, [profile]))
    for (const name of names) {
      for (const dependency of Object.keys(compose.services[name]?.depends_on ?? {})) {
        expect(names.has(dependency), `${name} → ${dependency} in profile ${profile}`).toBe(true)
      }
    }
  }
})

test('the default network runs as local processes: every client exits 0 and every server stops cleanly', async () => {
  const plan = localPlan(compose, servicesInProfiles(compose), tempRoot)
  const started = new Map<string, { role: Promise<RoleProcess>, healthy: Promise<void> }>()
  const startService = (service: LocalService): { role: Promise<RoleProcess>, healthy: Promise<void> } => {
    const existing = started.get(service.name)
    if (existing !== undefined) return existing
    const role = (async () => {
      for (const dependency of service.dependsOn) {
        const upstream = startService(plan.find(candidate => candidate.name === dependency.service)!)
        if (dependency.condition === 'service_healthy') await upstream.healthy
        else if (dependency.condition === 'service_completed_successfully') await expectExit(await upstream.role, 0)
        else await upstream.role
      }
      return startProcess(service.command, { cwd: service.cwd, env: service.env, label: service.name })
    })()
    const healthy = role.then(async running => {
      if (service.healthcheck !== undefined) await becomesHealthy(service, running)
    })
    const entry = { role, healthy }
    started.set(service.name, entry)
    return entry
  }
  for (const service of plan) startService(service)

  const clients = plan.filter(service => service.healthcheck === undefined)
  const servers = plan.filter(service => service.healthcheck !== undefined)
  expect(clients.length).toBeGreaterThan(0)
  await Promise.all(clients.map(async client => expectExit(await started.get(client.name)!.role, 0)))
  for (const server of servers) await expectStop(await started.get(server.name)!.role, 'SIGTERM')
})
