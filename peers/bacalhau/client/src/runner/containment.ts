// What a job may touch on the runner's machine. Every path a job names (an input's Target, the entry module,
// a ResultPath's Path and Name) stays inside its execution's directory: ".." that climbs out is refused, and
// so is any symlink on the way (refused, never followed). URL inputs come only from origins the operator
// lists, without redirects, within a byte cap and a deadline. Each refusal is a ContainmentError saying what
// was refused and why; it fails the execution.
import { createWriteStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export class ContainmentError extends Error {}

function refuse (message: string): never {
  throw new ContainmentError(`refused: ${message}`)
}

/** lstat, or undefined where nothing is yet. */
async function entryAt (path: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  return lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
}

/**
 * The host path of `jobPath` (as the job names it, e.g. "/inputs/data.txt": absolute from the job's root)
 * under `rootDir`. Refused when it names the root itself, climbs out of it, or passes through a symlink
 * (a job's or an input's) anywhere below the root, the last component included.
 */
export async function pathInside (rootDir: string, jobPath: unknown, what: string): Promise<string> {
  if (typeof jobPath !== 'string' || jobPath.includes('\0')) refuse(`${what} ${JSON.stringify(jobPath)} is not a path`)
  const root = resolve(rootDir)
  const hostPath = resolve(root, `.${sep}${jobPath}`)
  const inside = relative(root, hostPath)
  if (inside === '') refuse(`${what} "${jobPath}" names the execution's root directory itself`)
  if (inside === '..' || inside.startsWith(`..${sep}`)) refuse(`${what} "${jobPath}" leaves the execution's directory`)
  let path = root
  for (const part of inside.split(sep)) {
    path = join(path, part)
    const entry = await entryAt(path)
    if (entry === undefined) break // the rest is created new, below a checked directory
    if (entry.isSymbolicLink()) {
      refuse(`${what} "${jobPath}" goes through a symlink (${relative(root, path)}), which is not followed`)
    }
  }
  return hostPath
}

/** Refuses a tree that holds a symlink anywhere (the job may have written one pointing out of its directory). */
export async function refuseSymlinksIn (hostPath: string, jobPath: string, what: string): Promise<void> {
  const entry = await entryAt(hostPath)
  if (entry === undefined) return
  if (entry.isSymbolicLink()) refuse(`${what} "${jobPath}" is a symlink, which is not followed`)
  if (!entry.isDirectory()) return
  for (const child of await readdir(hostPath, { withFileTypes: true })) {
    await refuseSymlinksIn(join(hostPath, child.name), `${jobPath.replace(/\/+$/, '')}/${child.name}`, what)
  }
}

export interface UrlInputPolicy {
  /** Origins (scheme://host:port) urlDownload inputs may come from; empty: none. */
  allowedOrigins: ReadonlySet<string>
  /** The most bytes one URL or inline input may hold. */
  maxBytes: number
  timeoutMs: number
}

/** URL_INPUT_ALLOW-style text: comma-separated http(s) origins, or one line saying which entry is wrong. */
export function parseOrigins (name: string, text: string | undefined): Set<string> {
  const origins = new Set<string>()
  for (const entry of (text ?? '').split(',').map(item => item.trim()).filter(Boolean)) {
    let url: URL | undefined
    try {
      url = new URL(entry)
    } catch {}
    if (url === undefined || !['http:', 'https:'].includes(url.protocol) || entry.replace(/\/$/, '') !== url.origin) {
      throw new Error(`${name} takes origins like http://files.example:8000, comma-separated; got "${entry}"`)
    }
    origins.add(url.origin)
  }
  return origins
}

/**
 * Checks an input's URL against the policy before any connection: an `inline` source holds a data: URL and
 * nothing else; a `urlDownload` source an http(s) URL whose origin is listed (so loopback, private ranges and
 * every other host are refused unless the operator listed them).
 */
export function checkInputUrl (type: 'urlDownload' | 'inline', text: unknown, policy: UrlInputPolicy): URL {
  let url: URL | undefined
  try {
    url = new URL(String(text))
  } catch {}
  if (url === undefined) refuse(`${type} input ${JSON.stringify(text)} is not a URL`)
  if (type === 'inline') {
    if (url.protocol !== 'data:') refuse(`an inline input holds a data: URL, not ${url.protocol}`)
    return url
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    refuse(`urlDownload input ${url.href}: only http and https URLs are fetched`)
  }
  if (!policy.allowedOrigins.has(url.origin)) {
    refuse(`urlDownload input ${url.href}: ${url.origin} is not in URL_INPUT_ALLOW`)
  }
  return url
}

/** Fetches an input to `target` (created new), stopping at the byte cap; redirects are not followed. */
export async function downloadInput (url: URL, target: string, policy: UrlInputPolicy): Promise<void> {
  const signal = AbortSignal.timeout(policy.timeoutMs)
  const label = url.protocol === 'data:' ? 'inline input' : `input ${url.href}`
  try {
    const response = await fetch(url, { signal, redirect: 'manual' })
    if (response.status >= 300 && response.status < 400) {
      refuse(`${label}: HTTP ${response.status} redirect, which is not followed`)
    }
    if (!response.ok || response.body === null) throw new Error(`${label}: HTTP ${response.status}`)
    const declared = Number(response.headers.get('content-length') ?? 0)
    if (declared > policy.maxBytes) {
      await response.body.cancel()
      refuse(`${label}: ${declared} bytes is over the ${policy.maxBytes}-byte cap (URL_INPUT_MAX_BYTES)`)
    }
    let received = 0
    const capped = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        received += chunk.byteLength
        const over = `refused: ${label}: over the ${policy.maxBytes}-byte cap (URL_INPUT_MAX_BYTES)`
        if (received > policy.maxBytes) done(new ContainmentError(over))
        else done(null, chunk)
      }
    })
    await pipeline(Readable.fromWeb(response.body), capped, createWriteStream(target, { flags: 'wx' }))
  } catch (err) {
    if (err instanceof ContainmentError) throw err
    const message = (err as Error).message
    if (signal.aborted) throw new Error(`${label}: not fetched within ${policy.timeoutMs} ms`)
    throw new Error(message.startsWith(label) ? message : `${label}: ${message}`)
  }
}
