// OrbitDB on top of the node: a persistent identity (its keystore lives in the data dir, or its key comes
// from IDENTITY_KEY) and a documents database that only listed identities may write to.
import { join } from 'node:path'
import { supportedKeys } from '@libp2p/crypto/keys'
import { createOrbitDB, Identities, IPFSAccessController, KeyStore, type Document, type DocumentsDatabase, type LogEntry, type OrbitDB, type Storage } from '@orbitdb/core'
import { CID } from 'multiformats/cid'
import type { Node } from './node.ts'

/** The keystore name of this peer's OrbitDB identity. */
const IDENTITY_NAME = 'liftoff'

/** A new OrbitDB identity key (secp256k1, hex) for IDENTITY_KEY, and the identity ID it gives. */
export async function generateIdentityKey (): Promise<{ key: string, identityId: string }> {
  const privateKey = await supportedKeys.secp256k1.generateKeyPair()
  const key = Buffer.from(privateKey.marshal()).toString('hex')
  return { key, identityId: identityIdOf(key) }
}

/** The identity ID (what access controllers list) that IDENTITY_KEY `key` gives. */
export function identityIdOf (key: string): string {
  if (!/^[0-9a-f]{64}$/i.test(key)) throw new Error('an OrbitDB identity key is 64 hex characters (a secp256k1 private key)')
  return Buffer.from(supportedKeys.secp256k1.unmarshalSecp256k1PrivateKey(Buffer.from(key, 'hex')).public.marshal()).toString('hex')
}

export async function startOrbitDB (helia: Node, options: { dataDir: string, identityKey?: string }): Promise<OrbitDB> {
  const directory = join(options.dataDir, 'orbitdb')
  const keystore = await KeyStore({ path: join(directory, 'keystore') })
  if (options.identityKey !== undefined) {
    identityIdOf(options.identityKey) // validates it
    await keystore.addKey(IDENTITY_NAME, { privateKey: Buffer.from(options.identityKey, 'hex') })
  }
  const identities = await Identities({ keystore, ipfs: helia })
  return createOrbitDB({ ipfs: helia, id: IDENTITY_NAME, identities, directory })
}

/**
 * OrbitDB 2.2 keeps an entry that arrives from a peer as a new head only in its heads store: once a later
 * entry supersedes it, its bytes are gone, and reading the log waits for a block nobody may still have
 * (fixed upstream in 2.3.0, which moved to Helia 5). Storing each joined entry as a block keeps it.
 */
function keepReplicatedEntries<T extends Document> (helia: Node, db: DocumentsDatabase<T>): DocumentsDatabase<T> {
  db.events.on('update', (entry: LogEntry) => {
    Promise.resolve(helia.blockstore.put(CID.parse(entry.hash), entry.bytes))
      .catch((err: Error) => db.events.emit('error', err))
  })
  return db
}

/** Rejects if opening takes longer than `ms`: without its manifest, orbitdb.open() would wait forever. */
async function withinDeadline<T> (opening: Promise<T>, address: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`could not open ${address}: its manifest is neither stored here nor sent by a connected peer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([opening, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Opens a database by address; its manifest comes from the local store or from a connected peer. */
export async function openDatabase<T extends Document> (helia: Node, orbitdb: OrbitDB, address: string, options: { timeoutMs?: number, indexStorage?: Storage, entryStorage?: Storage } = {}): Promise<DocumentsDatabase<T>> {
  return keepReplicatedEntries(helia, await withinDeadline(orbitdb.open<T>(address, { indexStorage: options.indexStorage, entryStorage: options.entryStorage }), address, options.timeoutMs ?? 30_000))
}

/**
 * Creates (or reopens) the documents database `name`, writable by this peer and `writers` (identity IDs).
 * Its address is a hash of the name, the type and the writers: the same inputs always give the same address.
 */
export async function createDocuments<T extends Document> (helia: Node, orbitdb: OrbitDB, name: string, writers: string[]): Promise<DocumentsDatabase<T>> {
  const write = [...new Set([orbitdb.identity.id, ...writers])].sort()
  return keepReplicatedEntries(helia, await orbitdb.open<T>(name, { type: 'documents', AccessController: IPFSAccessController({ write }) }))
}
