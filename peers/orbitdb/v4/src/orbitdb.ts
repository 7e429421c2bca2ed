// OrbitDB on top of the node: a persistent identity (its keystore lives in the data dir, or its key comes
// from IDENTITY_KEY) and a documents database that only listed identities may write to.
// Runs in Node.js and in browsers (web/): there the data dir names IndexedDB databases instead.
import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import { createOrbitDB, Identities, IPFSAccessController, KeyStore } from '@orbitdb/core'
import type { Document, DocumentsDatabase, Ipfs, OrbitDB, Storage } from '@orbitdb/core'
import { fromString, toString } from 'uint8arrays'

/** What the example's clients (Node and browser) write: one note per document. */
export interface Note extends Document {
  author: string
  text: string
  writtenAt: string
}

/** The keystore name of this peer's OrbitDB identity. */
const IDENTITY_NAME = 'liftoff'

/** A new OrbitDB identity key (secp256k1, hex) for IDENTITY_KEY, and the identity ID it gives. */
export async function generateIdentityKey (): Promise<{ key: string, identityId: string }> {
  const key = toString((await generateKeyPair('secp256k1')).raw, 'base16')
  return { key, identityId: identityIdOf(key) }
}

/** The identity ID (what access controllers list) that IDENTITY_KEY `key` gives. */
export function identityIdOf (key: string): string {
  if (!/^[0-9a-f]{64}$/i.test(key)) {
    throw new Error('an OrbitDB identity key is 64 hex characters (a secp256k1 private key)')
  }
  return toString(privateKeyFromRaw(fromString(key.toLowerCase(), 'base16')).publicKey.raw, 'base16')
}

// #region start
export async function startOrbitDB (helia: Ipfs, options: { dataDir: string, identityKey?: string }): Promise<OrbitDB> {
  const directory = `${options.dataDir}/orbitdb`
  const keystore = await KeyStore({ path: `${directory}/keystore` })
  if (options.identityKey !== undefined) {
    identityIdOf(options.identityKey) // validates it
    await keystore.addKey(IDENTITY_NAME, { privateKey: fromString(options.identityKey.toLowerCase(), 'base16') })
  }
  const identities = await Identities({ keystore, ipfs: helia })
  return createOrbitDB({ ipfs: helia, id: IDENTITY_NAME, identities, directory })
}
// #endregion

/** Rejects if opening takes longer than `ms`: without its manifest, orbitdb.open() would wait forever. */
async function withinDeadline<T> (opening: Promise<T>, address: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    const why = `its manifest is neither stored here nor sent by a connected peer within ${ms} ms`
    timer = setTimeout(() => reject(new Error(`could not open ${address}: ${why}`)), ms)
  })
  try {
    return await Promise.race([opening, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Opens a database by address; its manifest comes from the local store or from a connected peer. */
export async function openDatabase<T extends Document> (
  orbitdb: OrbitDB,
  address: string,
  options: { timeoutMs?: number, indexStorage?: Storage, entryStorage?: Storage } = {}
): Promise<DocumentsDatabase<T>> {
  const { indexStorage, entryStorage } = options
  const opening = orbitdb.open<T>(address, { indexStorage, entryStorage })
  return withinDeadline(opening, address, options.timeoutMs ?? 30_000)
}

// #region documents
/**
 * Creates (or reopens) the documents database `name`, writable by this peer and `writers` (identity IDs).
 * Its address is a hash of the name, the type and the writers: the same inputs always give the same address.
 */
export async function createDocuments<T extends Document> (
  orbitdb: OrbitDB, name: string, writers: string[]
): Promise<DocumentsDatabase<T>> {
  const write = [...new Set([orbitdb.identity.id, ...writers])].sort()
  return orbitdb.open<T>(name, { type: 'documents', AccessController: IPFSAccessController({ write }) })
}
// #endregion
