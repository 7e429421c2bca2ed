// A Go module's files, as the Go module proxy serves them (the registry `go` itself downloads from): the
// module's zip, checked against its go.sum hash (h1:, the Go checksum database's), unpacked once into
// .tools/go-modules/<module>@<version>/. Tests read upstream data from there (Bacalhau's API spec and Go
// types, the Compose specification's schema) instead of from anything beside the repo. Needs no Go.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { unzipSync } from 'fflate'

/**
 * The project this file is part of: the nearest folder above it with a package.json (the repo, or a project `new`
 * made).
 */
function projectRoot (): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
  }
  throw new Error(`no package.json above ${import.meta.dirname}`)
}

export interface GoModule { path: string, version: string, h1: string }

/** Compose's own schema, from the module docker compose is built on. */
export const COMPOSE_GO: GoModule = {
  path: 'github.com/compose-spec/compose-go/v2',
  version: 'v2.17.0',
  h1: 'h1:o4jRHLu3XFLATGiFP7nLb2WPRmVV5Xa3gUrzCTw5ko0='
}
/** Bacalhau at the version the Bacalhau example pins: its swagger.json and the Go types behind it. */
export const BACALHAU: GoModule = {
  path: 'github.com/bacalhau-project/bacalhau',
  version: 'v1.9.3',
  h1: 'h1:FHgMze5cH3C27PT/55S65Iy9yvyo4UsS48Ju/pn9G6w='
}

/** The proxy's escaping of module paths: an upper-case letter becomes "!" and the letter in lower case. */
const escapePath = (path: string): string => path.replace(/[A-Z]/g, letter => `!${letter.toLowerCase()}`)

function proxyBase (): string {
  const first = (process.env.GOPROXY ?? '')
    .split(/[,|]/)
    .find(entry => entry !== '' && entry !== 'direct' && entry !== 'off')
  return (first ?? 'https://proxy.golang.org').replace(/\/$/, '')
}

/** Go's dirhash Hash1 over a module zip's files: what go.sum records. */
function hash1 (files: Record<string, Uint8Array>): string {
  const summary = createHash('sha256')
  for (const name of Object.keys(files).sort()) {
    summary.update(`${createHash('sha256').update(files[name]!).digest('hex')}  ${name}\n`)
  }
  return `h1:${summary.digest('base64')}`
}

/** The module's directory, downloaded and verified on first use. */
export async function goModuleDir (module: GoModule): Promise<string> {
  const dir = join(projectRoot(), '.tools', 'go-modules', `${escapePath(module.path)}@${module.version}`)
  if (existsSync(join(dir, '.verified'))) return dir
  const url = `${proxyBase()}/${escapePath(module.path)}/@v/${module.version}.zip`
  const response = await fetch(url).catch((err: Error & { cause?: { code?: string } }) => {
    throw new Error(`cannot download ${url}: ${err.cause?.code ?? err.message}`)
  })
  if (!response.ok) throw new Error(`cannot download ${url}: HTTP ${response.status}`)
  const files = unzipSync(new Uint8Array(await response.arrayBuffer()))
  // directory entries are not part of the hash
  for (const name of Object.keys(files)) if (name.endsWith('/')) delete files[name]
  const got = hash1(files)
  if (got !== module.h1) {
    throw new Error(`${module.path}@${module.version} from ${url} hashes to ${got}, not ${module.h1} (go.sum): refused`)
  }
  const prefix = `${module.path}@${module.version}/`
  const staging = `${dir}.partial-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  for (const [name, bytes] of Object.entries(files)) {
    const target = join(staging, name.slice(prefix.length))
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, bytes)
  }
  await writeFile(join(staging, '.verified'), `${module.h1}\n`)
  await mkdir(dirname(dir), { recursive: true })
  await rename(staging, dir).catch(async (err: Error) => {
    await rm(staging, { recursive: true, force: true })
    if (!existsSync(join(dir, '.verified'))) throw err // else another test process unpacked it first
  })
  return dir
}
