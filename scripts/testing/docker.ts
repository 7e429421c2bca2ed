// `docker compose` for the docker tier's tests: the repo's docker-compose.yaml under a project name of its
// own (so a user's `ipfs-liftoff` project is left alone), run as a user runs it, with a deadline per command.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readComposeFile, repoRoot, servicesInProfiles } from './compose.ts'

export const PROJECT = 'liftoff-docker-test'

export interface CommandResult { code: number | null, stdout: string, stderr: string, ms: number }

export async function docker (args: string[], timeoutMs = 300_000): Promise<CommandResult> {
  const started = performance.now()
  const child = spawn('docker', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text })
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code] = await once(child, 'close') as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr, ms: performance.now() - started }
}

/**
 * What a failed compose command printed that says why: the output of the build step that failed, else its last lines.
 */
function failureOutput (stderr: string): string {
  const lines = stderr.split('\n')
  const failedStep = lines.findLast(line => /^#\d+ ERROR/.test(line))?.split(' ')[0]
  const relevant =
    failedStep === undefined ? lines : lines.filter(line => line.startsWith(`${failedStep} `) || !line.startsWith('#'))
  return relevant.slice(-40).join('\n')
}

/** `docker compose -p liftoff-docker-test <args>` (build output plain); throws with why unless it exits 0. */
export async function compose (args: string[], timeoutMs?: number): Promise<CommandResult> {
  const result = await docker(['compose', '--progress', 'plain', '-p', PROJECT, ...args], timeoutMs)
  if (result.code !== 0) {
    throw new Error(`docker compose ${args.join(' ')} exited ${result.code}:\n${failureOutput(result.stderr)}`)
  }
  return result
}

/** The default network's servers (services with a healthcheck) and clients (one-shot services). */
/** Servers have a healthcheck, clients none; pages are the servers that serve an example's browser pages. */
export function defaultNetwork (profiles: string[] = []): { servers: string[], clients: string[], pages: string[] } {
  const file = readComposeFile()
  const names = servicesInProfiles(file, profiles)
  return {
    servers: names.filter(name => file.services[name]?.healthcheck !== undefined),
    clients: names.filter(name => file.services[name]?.healthcheck === undefined),
    pages: names.filter(name => file.services[name]?.command?.includes('src/serve-web.ts') === true)
  }
}

export interface ContainerState { service: string, state: string, health: string, exitCode: number }

export async function containers (): Promise<ContainerState[]> {
  const { stdout } = await compose(['ps', '--all', '--format', 'json'])
  // Compose 2.2x prints one JSON object per line
  return stdout.split('\n').filter(line => line.trim() !== '').map(line => {
    const row = JSON.parse(line) as { Service: string, State: string, Health: string, ExitCode: number }
    return { service: row.Service, state: row.State, health: row.Health, exitCode: row.ExitCode }
  })
}

/**
 * The exit code of a one-shot service's container once it has stopped (`docker wait`, which also answers for one that
 * stopped already).
 */
export async function exitCodeOf (service: string): Promise<number> {
  return (await finishedService(service)).code
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const plain = (text: string): string => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')

/**
 * A one-shot service once its container has stopped: its exit code and its stdout and stderr apart (`docker logs`), for
 * expectExitCode.
 */
export async function finishedService (
  service: string,
  profiles: string[] = []
): Promise<{ label: string, code: number, stdout: string, stderr: string }> {
  const { stdout: id } = await compose([
    ...profiles.flatMap(profile => ['--profile', profile]),
    'ps',
    '--all',
    '--quiet',
    service
  ])
  if (id.trim() === '') throw new Error(`no container for ${service}`)
  const waited = await docker(['wait', id.trim()], 600_000)
  if (waited.code !== 0) throw new Error(`docker wait ${service}: ${waited.stderr.trim()}`)
  const logs = await docker(['logs', id.trim()])
  if (logs.code !== 0) throw new Error(`docker logs ${service}: ${logs.stderr.trim()}`)
  return {
    label: `the ${service} container`,
    code: Number(waited.stdout.trim()),
    stdout: plain(logs.stdout),
    stderr: plain(logs.stderr)
  }
}

/** A service's output, as plain lines (compose's logs carry terminal control sequences). */
export async function logsOf (service: string, profiles: string[] = []): Promise<string> {
  const { stdout } = await compose([
    ...profiles.flatMap(profile => ['--profile', profile]),
    'logs',
    '--no-color',
    '--no-log-prefix',
    service
  ])
  return plain(stdout)
}
