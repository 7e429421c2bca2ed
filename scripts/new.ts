// `node scripts/liftoff.mjs new <example> <dir>`: a standalone project from one of the examples, to start
// an app from. It gets the example's tracked files (src/, web/, test/, README, configs), the repo's test
// helpers its tests use (copied into test/support/, the tests' imports rewritten), the repo's packages it uses
// (`workspace:` dependencies: their src/ copied into src/<name>/, imports rewritten), a package.json with exact
// versions, the devDependencies those helpers need and the overrides the example needs (in the forms pnpm
// and npm read), a tsconfig.json that stands on its own, a .gitignore, and its own pnpm-lock.yaml.
// Refuses a directory that is not empty; an unknown example lists the known ones.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { parse, stringify } from 'yaml'

const repoRoot = join(import.meta.dirname, '..')
const peersDir = join(repoRoot, 'peers')

type Manifest = Record<string, unknown> & {
  name: string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

/** Every example, as `<project>/<version>` (e.g. libp2p/v3). */
export function examples (): string[] {
  return readdirSync(peersDir).flatMap(project =>
    existsSync(join(peersDir, project)) && !project.includes('.')
      ? readdirSync(join(peersDir, project))
        .filter(version => existsSync(join(peersDir, project, version, 'package.json')))
        .map(version => `${project}/${version}`)
      : []
  )
}

/** The example's files as git tracks them (no node_modules, builds or data). */
function trackedFiles (example: string): string[] {
  return execFileSync('git', ['ls-files', '-z', '--', `peers/${example}`], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
    .map(file => relative(`peers/${example}`, file))
}

/**
 * The modules a TypeScript file imports (static and dynamic), as written, with where each specifier sits in the text.
 */
function importsOf (text: string): Array<{ specifier: string, pos: number, end: number }> {
  // the reported range starts at the literal's quote: find the specifier itself from there
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName, pos }) => {
    const at = text.indexOf(fileName, pos)
    return { specifier: fileName, pos: at, end: at + fileName.length }
  })
}

/** Relative imports in a TypeScript file: [specifier, where it resolves]. */
function relativeImports (file: string, text: string): Array<[string, string]> {
  return importsOf(text)
    .filter(({ specifier }) => specifier.startsWith('./') || specifier.startsWith('../'))
    .map(({ specifier }) => [specifier, resolve(dirname(file), specifier)])
}

/** Package imports in a TypeScript file, by package ('vite', '@scope/name/sub' → '@scope/name'). */
function packageImports (text: string): string[] {
  return importsOf(text)
    .map(({ specifier }) => specifier)
    .filter(name => !name.startsWith('.') && !name.startsWith('node:'))
    .map(name =>
      name
        .split('/')
        .slice(0, name.startsWith('@') ? 2 : 1)
        .join('/')
    )
}

/** The repo's files under scripts/ that `files` import, and what those import, transitively. */
function helperClosure (files: string[]): string[] {
  const scripts = join(repoRoot, 'scripts')
  const found = new Set<string>()
  const visit = (file: string): void => {
    for (const [, target] of relativeImports(file, readFileSync(file, 'utf8'))) {
      if (!target.startsWith(`${scripts}/`) || found.has(target)) continue
      found.add(target)
      visit(target)
    }
  }
  for (const file of files) visit(file)
  return [...found]
}

type Importer = Partial<
  Record<'dependencies' | 'devDependencies', Record<string, { specifier: string, version: string }>>
>
interface Lockfile {
  overrides?: Record<string, string>
  importers: Record<string, Importer>
  packages: Record<string, unknown>
  snapshots: Record<string, { dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> }>
}

function repoLockfile (): Lockfile {
  return parse(readFileSync(join(repoRoot, 'pnpm-lock.yaml'), 'utf8')) as Lockfile
}

/** The lockfile's snapshot keys (`name@version(peers)`) an importer's dependency tree reaches. */
function reachable (lockfile: Lockfile, importer: Importer): Set<string> {
  const key = (name: string, version: string): string => /^@?[^@(]+@/.test(version) ? version : `${name}@${version}`
  const seen = new Set<string>()
  const queue = Object.entries({ ...importer.dependencies, ...importer.devDependencies }).map(([name, { version }]) =>
    key(name, version)
  )
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next)) continue
    seen.add(next)
    const snapshot = lockfile.snapshots[next]
    for (const [name, version] of Object.entries({ ...snapshot?.dependencies, ...snapshot?.optionalDependencies })) {
      queue.push(key(name, version))
    }
  }
  return seen
}

/**
 * The workspace settings the example needs: the overrides whose parent package is in its dependency tree,
 * and the packages in that tree whose build scripts the workspace leaves unrun.
 */
function workspaceSettingsFor (example: string): {
  overrides: Record<string, string>
  ignoredBuiltDependencies: string[]
} {
  const workspace = parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as {
    overrides?: Record<string, string>
    ignoredBuiltDependencies?: string[]
  }
  const lockfile = repoLockfile()
  const tree = [...reachable(lockfile, lockfile.importers[`peers/${example}`] ?? {})]
  const inTree = (name: string, major = ''): boolean => tree.some(key => key.startsWith(`${name}@${major}`))
  return {
    overrides: Object.fromEntries(Object.entries(workspace.overrides ?? {}).filter(([selector]) => {
      const parent = /^(@?[^@>]+)@(\d+)>/.exec(selector)
      return parent !== null && inTree(parent[1]!, `${parent[2]!}.`)
    })),
    ignoredBuiltDependencies: (workspace.ignoredBuiltDependencies ?? []).filter(name => inTree(name))
  }
}

/** pnpm's `parent@major>dependency` overrides in npm's nested form: `{ "parent@major": { "dependency": version } }`. */
function npmOverrides (overrides: Record<string, string>): Record<string, Record<string, string>> {
  const nested: Record<string, Record<string, string>> = {}
  for (const [selector, version] of Object.entries(overrides)) {
    const [parent, dependency] = selector.split('>') as [string, string]
    nested[parent] = { ...nested[parent], [dependency]: version }
  }
  return nested
}

/**
 * The repo's lockfile cut down to the project: the example's importer as its own (plus the root's entries
 * for the helpers' packages), only the packages that tree reaches and only the overrides it keeps, so the
 * project installs exactly the versions the repo tested.
 */
function projectLockfile (example: string, helperPackages: string[], overrides: Record<string, string>): Lockfile {
  const lockfile = repoLockfile()
  const linked = lockfile.importers[`peers/${example}`] ?? {}
  // the repo's packages it uses are copied into the project, not linked
  const unlinked = (entries: Record<string, { specifier: string, version: string }> = {}) =>
    Object.fromEntries(Object.entries(entries).filter(([, { version }]) => !version.startsWith('link:')))
  const own = { ...linked, dependencies: unlinked(linked.dependencies) }
  const helperEntries = Object.fromEntries(helperPackages.flatMap(name => {
    const entry = lockfile.importers['.']?.devDependencies?.[name]
    return entry === undefined ? [] : [[name, entry]]
  }))
  const importer = { ...own, devDependencies: { ...own.devDependencies, ...helperEntries } }
  const snapshots = reachable(lockfile, importer)
  const packages = new Set([...snapshots].map(key => key.replace(/\(.*$/, '')))
  const { overrides: _all, importers: _importers, ...rest } = lockfile
  return {
    ...rest,
    ...(Object.keys(overrides).length === 0 ? {} : { overrides }),
    importers: { '.': importer },
    packages: Object.fromEntries(Object.entries(lockfile.packages).filter(([key]) => packages.has(key))),
    snapshots: Object.fromEntries(Object.entries(lockfile.snapshots).filter(([key]) => snapshots.has(key)))
  }
}

/** A workspace package an example depends on (`workspace:`): its folder and what its entry points name. */
interface WorkspacePackage {
  name: string
  dir: string
  manifest: Manifest & { exports?: Record<string, { types?: string }> }
}

/** The repo's packages (pnpm-workspace.yaml's packages/*) the example depends on. */
function workspacePackagesOf (manifest: Manifest): WorkspacePackage[] {
  const packagesDir = join(repoRoot, 'packages')
  const all = existsSync(packagesDir) ? readdirSync(packagesDir).map(dir => join(packagesDir, dir)) : []
  return Object.entries(manifest.dependencies ?? {})
    .filter(([, version]) => version.startsWith('workspace:'))
    .map(([name]) => {
      const dir = all.find(candidate =>
        (JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as Manifest).name === name)
      if (dir === undefined) throw new Error(`${name} is a workspace dependency, but no folder in packages/ is it`)
      const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as WorkspacePackage['manifest']
      return { name, dir, manifest: own }
    })
}

/** Where a workspace package's copy goes in the project: src/<name without its scope>/. */
const copiedPackageDir = (target: string, name: string): string => join(target, 'src', name.split('/').at(-1)!)

/**
 * `text` with each import of a workspace package (its name, or name/subpath) replaced by the project's own
 * name for its copy (`#<name without scope>[/subpath]`, package.json `imports`, which Node, TypeScript and Vite
 * read; a relative path would not do in orbitdb-core.d.ts, whose `declare module` imports only by name).
 */
function rewritePackageImports (text: string, packages: WorkspacePackage[]): string {
  for (const { name } of packages) {
    const specifier = new RegExp(`(['"])${name.replace(/[/.]/g, '\\$&')}(/[\\w-]+)?\\1`, 'g')
    text = text.replace(specifier, (_whole, quote: string, sub?: string) =>
      `${quote}#${name.split('/').at(-1)!}${sub ?? ''}${quote}`)
  }
  return text
}

/** package.json `imports` for the copied packages: each entry point's copied source file. */
function packageImportsMap (packages: WorkspacePackage[]): Record<string, string> {
  return Object.fromEntries(packages.flatMap(({ name, manifest }) => {
    const short = name.split('/').at(-1)!
    return Object.entries(manifest.exports ?? {}).flatMap(([entry, { types }]) => types === undefined
      ? []
      : [[`#${short}${entry.slice(1)}`, `./src/${short}/${relative('src', types)}`]])
  }))
}

export async function scaffold (
  example: string,
  target: string,
  log: (line: string) => void = console.log
): Promise<void> {
  const known = examples()
  if (!known.includes(example)) throw new Error(`no example "${example}": the examples are ${known.join(', ')}`)
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new Error(`refusing to write into ${target}: it is not empty`)
  }
  const exampleDir = join(peersDir, example)
  const files = trackedFiles(example)

  // the test helpers, copied under test/support/ keeping their layout below scripts/
  const helpers = helperClosure(files.filter(file => file.endsWith('.ts')).map(file => join(exampleDir, file)))
  const supportPath = (helper: string): string =>
    join(target, 'test', 'support', relative(join(repoRoot, 'scripts'), helper))
  const rewrite = (from: string, to: string, text: string): string => {
    // from the last import back, so earlier positions stay valid
    for (const { specifier, pos, end } of importsOf(text).reverse()) {
      const resolved = resolve(dirname(from), specifier)
      if (!specifier.startsWith('.') || !helpers.includes(resolved)) continue
      const moved = relative(dirname(to), supportPath(resolved))
      text = text.slice(0, pos) + (moved.startsWith('.') ? moved : `./${moved}`) + text.slice(end)
    }
    return text
  }
  const manifest = JSON.parse(await readFile(join(exampleDir, 'package.json'), 'utf8')) as Manifest
  const packages = workspacePackagesOf(manifest)
  for (const file of files) {
    const to = join(target, file)
    await mkdir(dirname(to), { recursive: true })
    const from = join(exampleDir, file)
    const text = file.endsWith('.ts') ? rewrite(from, to, await readFile(from, 'utf8')) : undefined
    await writeFile(to, text === undefined ? await readFile(from) : rewritePackageImports(text, packages))
  }
  // the repo's packages it uses, as source in src/: a standalone project has no workspace to link them from
  for (const { dir, name } of packages) {
    const sources = readdirSync(join(dir, 'src'), { recursive: true, encoding: 'utf8' })
      .filter(file => file.endsWith('.ts'))
    for (const file of sources) {
      const to = join(copiedPackageDir(target, name), file)
      await mkdir(dirname(to), { recursive: true })
      await writeFile(to, await readFile(join(dir, 'src', file)))
    }
  }
  for (const helper of helpers) {
    await mkdir(dirname(supportPath(helper)), { recursive: true })
    await writeFile(supportPath(helper), await readFile(helper))
  }

  // tsconfig.json on its own: the repo's base options inlined; web/ extends it
  const base = JSON.parse(await readFile(join(repoRoot, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>
  }
  const own = JSON.parse(await readFile(join(exampleDir, 'tsconfig.json'), 'utf8')) as {
    compilerOptions?: Record<string, unknown>
    include?: string[]
  }
  await writeFile(
    join(target, 'tsconfig.json'),
    JSON.stringify(
      { compilerOptions: { ...base.compilerOptions, ...own.compilerOptions }, include: own.include },
      null,
      2
    ) + '\n'
  )
  if (files.includes('web/tsconfig.json')) {
    const web = JSON.parse(await readFile(join(exampleDir, 'web', 'tsconfig.json'), 'utf8')) as Record<string, unknown>
    await writeFile(
      join(target, 'web', 'tsconfig.json'),
      JSON.stringify({ ...web, extends: '../tsconfig.json' }, null, 2) + '\n'
    )
  }

  // package.json: the example's, named after the directory, with the helpers' packages and the overrides
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Manifest & {
    packageManager: string
  }
  const devDependencies = { ...manifest.devDependencies }
  for (const name of new Set(helpers.flatMap(helper => packageImports(readFileSync(helper, 'utf8'))))) {
    if (manifest.dependencies?.[name] !== undefined || devDependencies[name] !== undefined) continue
    const version = root.devDependencies?.[name]
    if (version === undefined) {
      throw new Error(`the test helpers import ${name}, which the repo's package.json does not pin`)
    }
    devDependencies[name] = version
  }
  const { overrides, ignoredBuiltDependencies } = workspaceSettingsFor(example)
  const pnpmSettings = {
    ...(Object.keys(overrides).length === 0 ? {} : { overrides }),
    ...(ignoredBuiltDependencies.length === 0 ? {} : { ignoredBuiltDependencies })
  }
  // the copied packages' dependencies instead of the packages, and no script that builds them
  const dependencies = Object.fromEntries(Object.entries(manifest.dependencies ?? {})
    .filter(([name]) => !packages.some(pkg => pkg.name === name)))
  for (const [name, version] of packages.flatMap(pkg => Object.entries(pkg.manifest.dependencies ?? {}))) {
    if (dependencies[name] !== undefined && dependencies[name] !== version) {
      throw new Error(`${example} pins ${name} ${dependencies[name]}, a package it uses ${version}`)
    }
    dependencies[name] = version
  }
  const scripts = Object.fromEntries(Object.entries((manifest.scripts ?? {}) as Record<string, string>)
    .filter(([, command]) => !packages.some(pkg => command.includes(`--filter ${pkg.name}`))))
  const { files: _published, ...rest } = manifest
  const standalone = {
    ...rest,
    scripts,
    ...(packages.length === 0 ? {} : { imports: packageImportsMap(packages) }),
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
    name: basename(target).toLowerCase().replace(/[^a-z0-9-]+/g, '-'),
    packageManager: root.packageManager,
    devDependencies: Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => a.localeCompare(b))),
    ...(Object.keys(pnpmSettings).length === 0 ? {} : { pnpm: pnpmSettings }),
    ...(Object.keys(overrides).length === 0 ? {} : { overrides: npmOverrides(overrides) })
  }
  await writeFile(join(target, 'package.json'), JSON.stringify(standalone, null, 2) + '\n')
  await writeFile(join(target, '.gitignore'), 'node_modules/\ndist/\n.data/\n.tools/\n.screenshots/\n*.log\n')

  // its own lockfile: the repo's, cut down to this project, so it installs the versions the repo tested
  await writeFile(
    join(target, 'pnpm-lock.yaml'),
    stringify(
      projectLockfile(
        example,
        Object.keys(devDependencies).filter(name => manifest.devDependencies?.[name] === undefined),
        overrides
      )
    )
  )
  const pnpm = process.env.npm_execpath === undefined ? ['pnpm'] : [process.execPath, process.env.npm_execpath]
  const locked = spawnSync(
    pnpm[0]!,
    [...pnpm.slice(1), 'install', '--lockfile-only', '--ignore-workspace', '--prefer-offline'],
    { cwd: target, encoding: 'utf8' }
  )
  if (locked.status !== 0) {
    throw new Error(
      `pnpm install --lockfile-only in ${target} failed: ${(locked.stderr || locked.stdout).trim().split('\n').at(-1)}`
    )
  }
  log(
    `made ${target} from peers/${example}: ${files.length} files, ${helpers.length} test helpers in test/support/` +
      `${Object.keys(overrides).length > 0 ? `, overrides ${Object.keys(overrides).join(' ')}` : ''}, pnpm-lock.yaml`
  )
  log(
    `next: cd ${relative(process.env.LIFTOFF_CWD ?? process.cwd(), target) || '.'} && pnpm install && pnpm dev` +
      '   (or npm install && npm run dev)'
  )
}

if (import.meta.main) {
  const [example, dir] = process.argv.slice(2)
  try {
    if (example === undefined || dir === undefined) {
      throw new Error(`usage: node scripts/liftoff.mjs new <example> <dir>; the examples are ${examples().join(', ')}`)
    }
    await scaffold(
      example.replace(/^peers\//, '').replace(/\/$/, ''),
      resolve(process.env.LIFTOFF_CWD ?? process.cwd(), dir)
    )
  } catch (err) {
    console.error(`new: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
