// How the server stores each database it keeps: OrbitDB's defaults with two changes for joining many
// entries at once. (1) The log's index (which entries the log holds) is kept in memory, written through to
// LevelDB where OrbitDB keeps it by default (so a data dir reads the same either way). A join asks the index about
// every `next` and reference of every entry it takes, one question after another (17 an entry with OrbitDB's
// 16 references), and most answers are "not yet": OrbitDB's cache in front of LevelDB keeps only what it
// found, so each was a LevelDB read waited on in turn, more than half of a 500-entry join. Memory: one key
// (the entry's hash, about 60 bytes) per entry, read from LevelDB when the database opens. (2) The cache in
// front of the entries' blocks is the server's to fill: entries a writer pushed are put there as they are
// stored, so the join reads them from memory instead of reading each back through Helia (two LevelDB reads).
import { join } from 'node:path'
import type { OrbitDBFunctions } from './major.ts'
import type { Ipfs, Storage } from './orbitdb.ts'

/** The OrbitDB storages a server's databases are made of. */
type Storages = Pick<OrbitDBFunctions, 'ComposedStorage' | 'IPFSBlockStorage' | 'LevelStorage' | 'LRUStorage'>

export interface HostStorage {
  indexStorage: Storage
  entryStorage: Storage
  /** Puts an entry's block in the cache; it must be in the blockstore already (the cache is not stored). */
  cache: (hash: string, bytes: Uint8Array) => Promise<void>
}

/** Most recent entry blocks kept in memory: a whole push (at most 1,000) and then some. */
const CACHED_ENTRIES = 2000

export async function hostStorage (
  storages: Storages, orbitdb: { directory: string }, helia: Ipfs, address: string
): Promise<HostStorage> {
  const recent = await storages.LRUStorage({ size: CACHED_ENTRIES })
  // as OrbitDB's default: every entry the log takes is pinned
  const blocks = await storages.IPFSBlockStorage({ ipfs: helia, pin: true })
  const entryStorage = await storages.ComposedStorage(recent, blocks)
  const indexStorage = await memoryIndex(storages, orbitdb, address)
  return { indexStorage, entryStorage, cache: async (hash, bytes) => recent.put(hash, bytes) }
}

async function memoryIndex (
  storages: Storages, orbitdb: { directory: string }, address: string
): Promise<Storage> {
  const level = await storages.LevelStorage({ path: join(orbitdb.directory, address, 'log', '_index') })
  const held = new Map<string, unknown>()
  for await (const [hash, value] of level.iterator()) held.set(hash, value)
  return {
    // on disk first: memory never says the log holds an entry that a restart would not find
    put: async (hash, value) => {
      await level.put(hash, value)
      held.set(hash, value)
    },
    get: async hash => held.get(hash),
    del: async hash => {
      held.delete(hash)
      await level.del(hash)
    },
    iterator: options => level.iterator(options),
    merge: async () => {},
    clear: async () => {
      held.clear()
      await level.clear()
    },
    close: async () => level.close()
  }
}
