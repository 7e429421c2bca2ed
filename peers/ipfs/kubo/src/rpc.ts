// What the client asks Kubo over its RPC API with kubo-rpc-client: add, cat, ls and dag get; `connect` first.
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { create, globSource, type KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'

export interface ClientConfig {
  /** Kubo's RPC API, e.g. http://127.0.0.1:5001 */
  api: string
  timeoutMs: number
}

type Log = (line: string) => void

/** A client whose first call proves the API is there, so a wrong KUBO_API fails with one clear line. */
export async function connect (config: ClientConfig): Promise<KuboRPCClient> {
  const kubo = create({ url: config.api, timeout: config.timeoutMs })
  try {
    await kubo.version({ signal: AbortSignal.timeout(Math.min(config.timeoutMs, 10_000)) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    throw new Error(`cannot reach the Kubo RPC API at ${config.api}: ${cause ?? (err as Error).message}`)
  }
  return kubo
}

// #region add
/** Adds a file or a directory tree (names and bytes only: no mode or mtime), reporting bytes as they go. */
export async function add (kubo: KuboRPCClient, path: string, log: Log = console.log): Promise<CID> {
  const info = await stat(path).catch(() => { throw new Error(`no such file or directory: ${path}`) })
  let lastQuarter = -1
  const progress = (bytes: number, file?: string): void => {
    if (info.isFile()) {
      const quarter = Math.floor(bytes / Math.max(info.size, 1) * 4)
      if (quarter !== lastQuarter) log(`  added ${bytes}/${info.size} bytes`)
      lastQuarter = quarter
    } else if (file !== undefined) {
      log(`  added ${bytes} bytes of ${file}`)
    }
  }
  if (info.isFile()) return (await kubo.add({ path: basename(path), content: await readFile(path) }, { progress })).cid
  const name = basename(path)
  let root: CID | undefined
  for await (const entry of kubo.addAll(globSource(dirname(path), `${name}/**/*`, { hidden: true }), { progress })) {
    if (entry.path === name) root = entry.cid
  }
  if (root === undefined) throw new Error(`Kubo returned no root for ${path}`)
  return root
}
// #endregion

// #region read
export async function cat (kubo: KuboRPCClient, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of kubo.cat(cid)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export async function ls (kubo: KuboRPCClient, cid: CID) {
  const entries = []
  for await (const { name, type, size, cid: entryCid } of kubo.ls(cid)) {
    entries.push({ name, type, size, cid: entryCid.toString() })
  }
  return entries
}

/** dag get as JSON text: links as {"/": cid}, bytes as {"/": {"bytes": base64}}. */
export async function dagGet (kubo: KuboRPCClient, cid: CID): Promise<string> {
  const { value } = await kubo.dag.get(cid)
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Uint8Array) return { '/': { bytes: Buffer.from(item).toString('base64') } }
    const asCid = CID.asCID(item)
    return asCid === null ? item : { '/': asCid.toString() }
  })
}
// #endregion
