// Builds Go programs from their modules, as the Go module proxy serves them, into the git-ignored
// .tools/go/<name>@<version>/, once per version: the real peers (scripts/real-peers.ts) and the Kubernetes
// tier's tools (scripts/k8s/tools.ts).
// Two ways, because `go install mod/cmd@version` refuses modules whose go.mod has `replace` or `exclude`:
// - inside the module's own directory (`go mod download -json`), so its go.mod and its directives apply;
// - from a small wrapper module that requires the module (and may replace some of its requirements, as
//   Kubernetes needs for its staging modules), for modules whose own go.mod points at folders the module
//   proxy does not serve.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const repoRoot = join(import.meta.dirname, '..', '..')

export type Log = (line: string) => void

export interface GoProgram {
  /** The folder's name under .tools/go/ (with @version). */
  name: string
  module: string
  version: string
  /** Main packages: relative to the module root ("./cmd/ipfs") inside it, full import paths from a wrapper. */
  packages: string[]
  /** `-X` settings and the like, joined into -ldflags. */
  ldflags?: string[]
  tags?: string[]
  /** Build from a wrapper module, with these `replace` directives (module path → "module version"). */
  wrapper?: { replace?: Record<string, string> }
  /** The binary names to expect; defaults to each package's last path element. */
  binaries?: string[]
  cgo?: boolean
}

export const goEnv = { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' }

export function goVersion (): string {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim() // "go1.26.8"
  } catch {
    throw new Error(
      'Go is not installed: this builds real peers and tools from source and needs Go >= 1.26 on PATH ' +
        '(https://go.dev/dl/ or your package manager)'
    )
  }
}

function atLeast (version: string, floor: string): boolean {
  const parse = (text: string): number[] => text.replace(/^go/, '').split(/[.a-z]/).map(Number)
  const [a, b] = [parse(version), parse(floor)]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

/** The module's directory in Go's module cache, downloaded (and verified against the checksum database) first. */
export function downloadModule (module: string, version: string): string {
  const download = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8', env: goEnv })
  ) as { Dir?: string, Error?: string }
  if (download.Dir === undefined) {
    throw new Error(`go mod download ${module}@${version} failed: ${download.Error ?? 'no directory'}`)
  }
  return download.Dir
}

export function programDir (program: GoProgram): string {
  return join(repoRoot, '.tools', 'go', `${program.name}@${program.version}`)
}

function binaryNames (program: GoProgram): string[] {
  return program.binaries ?? program.packages.map(pkg => pkg.split('/').at(-1)!)
}

/** Runs `go` with a heartbeat every 30 s; throws with the first lines of its errors. */
async function runGo (args: string[], cwd: string, label: string, log: Log, cgo: boolean): Promise<void> {
  const started = Date.now()
  const heartbeat = setInterval(
    () => log(`  still building ${label} (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000
  )
  try {
    const child = spawn('go', args, {
      cwd,
      env: { ...goEnv, CGO_ENABLED: cgo ? '1' : '0' },
      stdio: ['ignore', 'inherit', 'pipe']
    })
    const errors: string[] = []
    child.stderr
      .setEncoding('utf8')
      .on('data', (text: string) =>
        errors.push(
          ...text
            .split('\n')
            .filter(
              line =>
                line !== '' &&
                !line.startsWith('go: downloading') &&
                !line.startsWith('go: added') &&
                !line.startsWith('go: upgraded')
            )
        )
      )
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    if (code !== 0) {
      throw new Error(`go ${args[0]} of ${label} failed (exit ${code}): ${errors.slice(0, 5).join(' | ')}`)
    }
  } finally {
    clearInterval(heartbeat)
  }
}

/** Builds `program` unless its binaries are there already; returns their folder. */
export async function buildGoProgram (program: GoProgram, log: Log): Promise<string> {
  const dir = programDir(program)
  const names = binaryNames(program)
  if (names.every(name => existsSync(join(dir, name)))) return dir
  const installed = goVersion()
  const label = `${program.name} ${program.version}`
  const partial = `${dir}.partial`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  const started = Date.now()
  log(`building ${label} with ${installed} (the first build downloads its dependencies and takes minutes)`)
  const buildArgs = ['build', '-trimpath', '-o', `${partial}/`]
  if (program.ldflags !== undefined && program.ldflags.length > 0) buildArgs.push('-ldflags', program.ldflags.join(' '))
  if (program.tags !== undefined && program.tags.length > 0) buildArgs.push('-tags', program.tags.join(','))
  let cwd: string
  if (program.wrapper === undefined) {
    cwd = downloadModule(program.module, program.version)
    const needed = /^go (\S+)$/m.exec(readFileSync(join(cwd, 'go.mod'), 'utf8'))?.[1]
    if (needed !== undefined && !atLeast(installed, needed)) {
      throw new Error(`${label} needs Go >= ${needed}; found ${installed}`)
    }
    buildArgs.splice(1, 0, '-mod=readonly')
  } else {
    cwd = join(repoRoot, '.tools', 'go', `${program.name}@${program.version}.module`)
    mkdirSync(cwd, { recursive: true })
    const replaces = Object.entries(program.wrapper.replace ?? {})
      .map(([path, target]) => `\t${path} => ${target}\n`)
      .join('')
    writeFileSync(
      join(cwd, 'go.mod'),
      `module liftoff.local/build/${program.name}\n\ngo ${installed.replace(/^go/, '')}\n\nrequire ${program.module} ` +
        `${program.version}\n${replaces === '' ? '' : `\nreplace (\n${replaces})\n`}`
    )
    await runGo(
      ['get', ...program.packages.map(pkg => `${pkg}@${program.version}`)],
      cwd,
      label,
      log,
      program.cgo === true
    )
  }
  await runGo([...buildArgs, ...program.packages], cwd, label, log, program.cgo === true)
  for (const name of names) {
    if (!existsSync(join(partial, name))) throw new Error(`go build of ${label} made no ${name}`)
  }
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  log(`built ${label} in ${Math.round((Date.now() - started) / 1000)} s → ${dir}`)
  return dir
}
