// The IPFS side of compute over data: a Helia 7 node (light: only libp2p over TCP and bitswap, so it talks
// to the peers you dial and nobody else), and moving directories in and out of UnixFS.
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

/**
 * The empty block (an empty file, imported with raw leaves: a job's empty stderr, say). Kubo's bitswap server
 * (boxo 0.43) takes a block size of 0 for "not found" and answers DONT_HAVE for it, so a result holding an
 * empty file never arrives from Kubo. Its bytes are known and verifiable, so every node starts with it.
 */
const EMPTY_RAW_BLOCK = CID.createV1(raw.code, await sha256.digest(new Uint8Array(0)))

export async function createIpfsNode (options: { dataDir?: string, listen?: string[] } = {}) {
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
  await blockstore.put(EMPTY_RAW_BLOCK, new Uint8Array(0))
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore }), {
    addresses: { listen: options.listen ?? [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
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

/** Writes the file or directory `cid` at `target`, fetching blocks from connected peers as needed. */
export async function exportTo (helia: IpfsNode, cid: CID, target: string, signal?: AbortSignal): Promise<void> {
  const fs = unixfs(helia)
  if ((await fs.stat(cid, { signal })).type === 'directory') {
    await mkdir(target, { recursive: true })
    for await (const entry of fs.ls(cid, { signal })) await exportTo(helia, entry.cid, join(target, entry.name), signal)
    return
  }
  await pipeline(fs.cat(cid, { signal }), createWriteStream(target))
}
