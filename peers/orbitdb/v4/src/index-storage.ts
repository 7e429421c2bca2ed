// The server keeps each log's index (which entries the log holds) in memory, written through to LevelDB
// where OrbitDB keeps it by default (so a data dir reads the same either way). A join asks the index about
// every `next` and reference of every entry it takes, one question after another (17 an entry with OrbitDB's
// 16 references), and most answers are "not yet": OrbitDB's cache in front of LevelDB keeps only what it
// found, so each was a LevelDB read waited on in turn, more than half of a 500-entry join. Memory: one key
// (the entry's hash, about 60 bytes) per entry, read from LevelDB when the database opens.
import { join } from 'node:path'
import { LevelStorage, type OrbitDB, type Storage } from '@orbitdb/core'

export async function memoryIndex (orbitdb: OrbitDB, address: string): Promise<Storage> {
  const level = await LevelStorage({ path: join(orbitdb.directory, address, 'log', '_index') })
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
