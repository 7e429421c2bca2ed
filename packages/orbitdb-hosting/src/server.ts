// A hosting server's own parts, Node.js only (files, LevelDB): whom it hosts for (host-policy.ts), how it stores
// what it hosts (host-storage.ts), the list it reopens (hosted-list.ts) and its blockstore workaround.
import { checkHosting, blockReader, type BlockNode, type HostPolicy } from './host-policy.ts'
import { hostStorage, type HostStorage } from './host-storage.ts'
import type { OrbitDBFunctions } from './major.ts'
import type { Ipfs } from './orbitdb.ts'

export { readHostedList, writeHostedList, type HostedDatabase } from './hosted-list.ts'
export { peerWants, quietBlocks, type QuietBlocks } from './quiet-blockstore.ts'
export type { BlockNode, HostPolicy, HostStorage }

/** The server's functions that call OrbitDB, bound to one major's (`import * as orbitdb from '@orbitdb/core'`). */
export function serverHosting (orbitdb: OrbitDBFunctions) {
  return {
    /** Resolves when `asker` may have `address` hosted, else throws a HostRefusal. */
    checkHosting: async (helia: BlockNode, policy: HostPolicy, address: string, asker: string | undefined) =>
      checkHosting(orbitdb, helia, policy, address, asker),
    /** Reads a DAG-CBOR block by its base58btc hash, from this node or its peers. */
    blockReader: async (helia: BlockNode, timeoutMs?: number) => blockReader(orbitdb, helia, timeoutMs),
    /** How the server stores each database it keeps. */
    hostStorage: async (orbitdbInstance: { directory: string }, helia: Ipfs, address: string): Promise<HostStorage> =>
      hostStorage(orbitdb, orbitdbInstance, helia, address)
  }
}
