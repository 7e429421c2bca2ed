// The IPFS side of compute over data: a Helia 7 node (light: only libp2p over TCP and bitswap, so it talks
// to the peers you dial and nobody else; the hashes Kubo offers besides), and moving directories in and out
// of UnixFS.
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { exporter, type UnixFSEntry } from 'ipfs-unixfs-exporter'
import { EXTRA_HASHERS } from './hashers.ts'
import { storeEmptyBlocks } from './workarounds/kubo-empty-block.ts'
import type { CID } from 'multiformats/cid'
import type { Registry } from 'prom-client'

export interface IpfsNodeOptions {
  /** Blocks and datastore on disk there; in memory without it. */
  dataDir?: string
  listen?: string[]
  /** libp2p's own metrics (connections, data by protocol, Node's process) go there. */
  metricsRegistry?: Registry
}

export async function createIpfsNode (options: IpfsNodeOptions = {}) {
  let blockstore: FsBlockstore | MemoryBlockstore = new MemoryBlockstore()
  let datastore: FsDatastore | MemoryDatastore = new MemoryDatastore()
  if (options.dataDir !== undefined) {
    const fsBlockstore = new FsBlockstore(join(options.dataDir, 'blocks'))
    const fsDatastore = new FsDatastore(join(options.dataDir, 'datastore'))
    await fsBlockstore.open()
    await fsDatastore.open()
    blockstore = fsBlockstore
    datastore = fsDatastore
  }
  await storeEmptyBlocks(blockstore, EXTRA_HASHERS) // Kubo never sends the empty block: src/workarounds/
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore, hashers: EXTRA_HASHERS }), {
    addresses: { listen: options.listen ?? [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    // its own registry, not prom-client's global one, and leave the runner's gauge in it alone
    metrics: options.metricsRegistry === undefined
      ? undefined
      : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true })
  }))
  await helia.start()
  return helia
}

export type IpfsNode = Awaited<ReturnType<typeof createIpfsNode>>

/** Adds a directory (recursively) and returns its root CID; its entries keep their names. */
export async function addDirectory (helia: IpfsNode, path: string): Promise<CID> {
  const fs = unixfs(helia)
  let root = await fs.addDirectory()
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name)
    const cid = entry.isDirectory() ? await addDirectory(helia, child) : await fs.addBytes(await readFile(child))
    root = await fs.cp(cid, root, entry.name)
  }
  return root
}

/** A directory entry's name, refused when writing it would land anywhere but inside its directory. */
function safeName (name: string, directory: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`refused: the DAG names an entry "${name}" in ${directory}, which would be written outside it`)
  }
  return name
}

/**
 * Writes the UnixFS file, directory or symlink `cid` at `target` (a directory may exist already, empty),
 * fetching blocks from connected peers as needed; Helia checks each against its CID as it arrives. Whatever
 * made the DAG (Kubo's CIDv0 results, any chunker or layout, HAMT directories), every entry below `target`
 * is created new: a duplicate or hostile name, or one that would go through a symlink, is refused.
 */
export async function exportTo (helia: IpfsNode, cid: CID, target: string, signal?: AbortSignal): Promise<void> {
  const write = async (entry: UnixFSEntry, path: string, isTarget: boolean): Promise<void> => {
    if (entry.type === 'directory') {
      await mkdir(path, { recursive: isTarget })
      for await (const child of entry.entries({ signal })) {
        const childEntry = await exporter(child.cid, helia.blockstore, { signal })
        await write(childEntry, join(path, safeName(child.name, path)), false)
      }
    } else if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
      await symlink(new TextDecoder().decode(entry.unixfs.data), path)
    } else if (entry.type === 'file' || entry.type === 'raw' || entry.type === 'identity') {
      await pipeline(entry.content({ signal }), createWriteStream(path, { flags: 'wx' }))
    } else {
      throw new Error(`${entry.cid} is not UnixFS (codec 0x${entry.cid.code.toString(16)})`)
    }
  }
  await write(await exporter(cid, helia.blockstore, { signal }), target, true)
}
