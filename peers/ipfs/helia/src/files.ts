// Files and directories in and out of UnixFS. Imports use this example's settings everywhere (so a file
// imported twice gets the same CID); exports write whatever a UnixFS DAG holds, however it was made
// (CIDv0 or v1, any chunker and layout, raw leaves or not, HAMT-sharded directories, symlinks, mode and mtime).
import { createReadStream, createWriteStream } from 'node:fs'
import { chmod, mkdir, stat, symlink, utimes } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { globSource, unixfs, type UnixFS as HeliaUnixFS } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core'
import { exporter, type ReadableStorage, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import type { UnixFS } from 'ipfs-unixfs'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import type { Node } from './node.ts'

export async function statPath (path: string): Promise<Stats> {
  return stat(path).catch(() => { throw new Error(`no such file or directory: ${path}`) })
}

// #region import
/** Imports a file or a directory tree; resolves with the root CID. */
export async function importPath (fs: HeliaUnixFS, path: string): Promise<CID> {
  const info = await statPath(path)
  if (info.isFile()) return fs.addByteStream(createReadStream(path))
  const name = basename(path)
  let root: CID | undefined
  // globSource leaves out mode and mtime by default, so the CID depends on names and bytes only.
  for await (const entry of fs.addAll(globSource(dirname(path), `${name}/**/*`, { hidden: true }))) {
    if (entry.path === name) root = entry.cid
  }
  return root ?? fs.addDirectory()
}
// #endregion

/** The CID `path` would have, computed in a throw-away in-memory blockstore. */
export async function cidOfPath (path: string): Promise<CID> {
  return importPath(unixfs({ blockstore: new MemoryBlockstore() }), path)
}

export interface TransferProgress {
  blocksFetched: number
  bytesWritten: number
}

/** A directory entry's name, refused when writing it would land anywhere but inside its directory. */
function safeName (name: string, directory: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`refused: the DAG names an entry "${name}" in ${directory}, which would be written outside it`)
  }
  return name
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T> (items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!)
  }))
}

/** Applies a UnixFS entry's own mode and mtime (where it has them) to what was written, as \`ipfs get\` does. */
async function applyMetadata (unixfs: UnixFS, path: string): Promise<void> {
  const defaultMode = unixfs.isDirectory() ? 0o755 : 0o644
  if (unixfs.mode !== undefined && unixfs.mode !== defaultMode) await chmod(path, unixfs.mode)
  if (unixfs.mtime !== undefined) {
    const seconds = Number(unixfs.mtime.secs) + (unixfs.mtime.nsecs ?? 0) / 1e9
    await utimes(path, seconds, seconds)
  }
}

/**
 * Writes the UnixFS file, directory or symlink `cid` to `outPath`, fetching the blocks this node does not
 * hold from connected peers; Helia checks each block against its CID as it arrives. Every path is created
 * new (exclusively): a duplicate or hostile entry name, or one that would go through a symlink, is refused.
 * `onProgress` sees every block that arrived and every byte written.
 */
export interface ExportOptions {
  signal?: AbortSignal
  offline?: boolean
  onProgress?: (progress: TransferProgress) => void
}

export async function exportTo (blockstore: ReadableStorage, cid: CID, outPath: string,
  options: ExportOptions = {}): Promise<TransferProgress> {
  const progress: TransferProgress = { blocksFetched: 0, bytesWritten: 0 }
  const onProgress = (event: { type: string }): void => {
    if (event.type === 'blocks:get:blockstore:put') {
      progress.blocksFetched++
      options.onProgress?.(progress)
    }
  }
  const request = { signal: options.signal, offline: options.offline, onProgress }

  const writeBytes = async (content: AsyncIterable<Uint8Array>, path: string): Promise<void> => {
    await pipeline(
      async function * () {
        for await (const chunk of content) {
          progress.bytesWritten += chunk.byteLength
          options.onProgress?.(progress)
          yield chunk
        }
      },
      createWriteStream(path, { flags: 'wx' })
    )
  }

  const write = async (entry: UnixFSEntry, path: string): Promise<void> => {
    if (entry.type === 'directory') {
      await mkdir(path) // not recursive: a path that exists already is refused
      const children: Array<{ cid: CID, name: string }> = []
      for await (const child of entry.entries(request)) {
        children.push({ cid: child.cid, name: safeName(child.name, path) })
      }
      // entries one after another would wait a round trip each: fetch and write up to 16 at once
      await inParallel(children, 16, async child => {
        await write(await exporter(child.cid, blockstore, request), join(path, child.name))
      })
      await applyMetadata(entry.unixfs, path)
    } else if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
      await symlink(new TextDecoder().decode(entry.unixfs.data), path)
    } else if (entry.type === 'file') {
      await writeBytes(entry.content(request), path)
      await applyMetadata(entry.unixfs, path)
    } else if (entry.type === 'raw' || entry.type === 'identity') {
      await writeBytes(entry.content(request), path)
    } else {
      const codec = entry.cid.code.toString(16)
      throw new Error(`${entry.cid} is not UnixFS (codec 0x${codec}) and sits inside a UnixFS DAG`)
    }
  }
  await write(await exporter(cid, blockstore, request), outPath)
  return progress
}

/** A DAG with more blocks or bytes than a request may fetch. */
export class DagTooLargeError extends Error {
  override name = 'DagTooLargeError'
}

export interface FetchDagOptions {
  signal?: AbortSignal
  offline?: boolean
  /** Stop with a DagTooLargeError once the DAG has more blocks than this, or more bytes in its blocks. */
  maxBlocks?: number
  maxBytes?: number
  /** Each block this node did not hold before, once it is in the blockstore. */
  onFetched?: (cid: CID) => void
}

/**
 * Fetches every block of the DAG under `cid` that this node lacks (Helia checks each against its CID and
 * writes it to the blockstore as it arrives), following the links its codec reports; resolves with how
 * many blocks came from the network.
 */
export async function fetchDag (helia: Pick<Node, 'blockstore' | 'getCodec'>, cid: CID,
  options: FetchDagOptions = {}): Promise<number> {
  const { maxBlocks = Infinity, maxBytes = Infinity } = options
  let fetched = 0
  let bytesSeen = 0
  const onProgress = (event: { type: string }): void => { if (event.type === 'blocks:get:blockstore:put') fetched++ }
  const seen = new Set<string>()
  const queue = [cid]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next.toString())) continue
    seen.add(next.toString())
    if (seen.size > maxBlocks) throw new DagTooLargeError(`the DAG has more than ${maxBlocks} blocks`)
    const held = await helia.blockstore.has(next, options)
    const chunks: Uint8Array[] = []
    for await (const chunk of helia.blockstore.get(next, { ...options, onProgress })) chunks.push(chunk)
    if (!held) options.onFetched?.(next)
    const bytes = Buffer.concat(chunks)
    bytesSeen += bytes.byteLength
    if (bytesSeen > maxBytes) throw new DagTooLargeError(`the DAG holds more than ${maxBytes} bytes`)
    const block = createUnsafe({ bytes, cid: next, codec: await helia.getCodec(next.code) })
    for (const [, link] of block.links()) queue.push(link)
    // links not yet visited count toward the block budget: a block naming a million links stops here
    if (queue.length > maxBlocks) throw new DagTooLargeError(`the DAG has more than ${maxBlocks} blocks`)
  }
  return fetched
}

/** Runs an async iterable to its end (Helia's pins.add pins a block each step). */
export async function drain (items: AsyncIterable<unknown>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]()
  while (!(await iterator.next()).done) { /* the next step */ }
}
