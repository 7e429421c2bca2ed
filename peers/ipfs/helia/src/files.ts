// Files and directories in and out of UnixFS. The same import settings are used everywhere, so a file
// written out and imported again gives the same CID: that is how `get` verifies what it wrote.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { globSource, unixfs, type UnixFS } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core'
import type { CID } from 'multiformats/cid'

export async function statPath (path: string): Promise<Stats> {
  return stat(path).catch(() => { throw new Error(`no such file or directory: ${path}`) })
}

/** Imports a file or a directory tree; resolves with the root CID. */
export async function importPath (fs: UnixFS, path: string): Promise<CID> {
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

/** The CID `path` would have, computed in a throw-away in-memory blockstore. */
export async function cidOfPath (path: string): Promise<CID> {
  return importPath(unixfs({ blockstore: new MemoryBlockstore() }), path)
}

export interface TransferProgress {
  blocksFetched: number
  bytesWritten: number
}

/**
 * Writes the file or directory `cid` to `outPath`, fetching blocks it does not hold from connected peers.
 * `onProgress` sees every Helia progress event ('blocks:get:blockstore:put' means a block arrived).
 */
export async function exportTo (fs: UnixFS, cid: CID, outPath: string, options: { signal?: AbortSignal, offline?: boolean, onProgress?: (progress: TransferProgress) => void } = {}): Promise<TransferProgress> {
  const progress: TransferProgress = { blocksFetched: 0, bytesWritten: 0 }
  const onProgress = (event: { type: string }): void => {
    if (event.type === 'blocks:get:blockstore:put') {
      progress.blocksFetched++
      options.onProgress?.(progress)
    }
  }
  const request = { signal: options.signal, offline: options.offline, onProgress }

  const writeEntry = async (entryCid: CID, path: string): Promise<void> => {
    const entryStat = await fs.stat(entryCid, request)
    if (entryStat.type === 'directory') {
      await mkdir(path, { recursive: true })
      for await (const child of fs.ls(entryCid, request)) await writeEntry(child.cid, join(path, child.name))
      return
    }
    await pipeline(
      async function * () {
        for await (const chunk of fs.cat(entryCid, request)) {
          progress.bytesWritten += chunk.byteLength
          options.onProgress?.(progress)
          yield chunk
        }
      },
      createWriteStream(path, { flags: 'wx' })
    )
  }
  await writeEntry(cid, outPath)
  return progress
}
