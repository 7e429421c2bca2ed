// Whom the server hosts for. Hosting a database costs a LevelDB, an index and pinned blocks for as long as the
// server runs, and the server then takes whatever that database's writers write: so a `host` request is
// honoured only when the operator allows it. Either the asking peer is listed (HOST_PEERS), or the database's
// access controller names a writer the operator lists (HOST_WRITERS: by default WRITERS, and always the
// server's own identity). A write list with "*" (anyone may write) is hosted only when HOST_WRITERS is "*".
// The database's manifest and access controller (two small blocks, fetched from the asker if need be) are
// read before anything is opened; when the answer is no, the blocks fetched for it are deleted again.
import * as dagCbor from '@ipld/dag-cbor'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import type { OrbitDBFunctions } from './major.ts'
import type { Ipfs } from './orbitdb.ts'
import { HostRefusal } from './replication.ts'

export interface HostPolicy {
  /** Identity IDs: a database whose write list names one is hosted ("*": every database). */
  writers: string[]
  /** Peer IDs whose host requests are honoured whatever the database. */
  peers: string[]
}

/**
 * A Helia node whose blocks can be read (OrbitDB's block storage) and deleted without waiting on reads under way
 * (quiet-blockstore.ts).
 */
export type BlockNode = Ipfs & {
  blockstore: { has: (cid: CID) => Promise<boolean> | boolean }
  deleteQuietly: (cid: CID) => Promise<void>
}

const READ_TIMEOUT_MS = 10_000

/**
 * Reads a DAG-CBOR block (a manifest, an access controller, an identity) by its base58btc hash, from this
 * node or its peers; `fetched` collects the CIDs this node did not hold before.
 */
export async function blockReader (
  orbitdb: Pick<OrbitDBFunctions, 'IPFSBlockStorage'>, helia: BlockNode, timeoutMs = READ_TIMEOUT_MS
): Promise<(hash: string, fetched?: CID[]) => Promise<Record<string, unknown> | undefined>> {
  const storage = await orbitdb.IPFSBlockStorage({ ipfs: helia, pin: false, timeout: timeoutMs })
  return async (hash, fetched) => {
    const cid = CID.parse(hash, base58btc)
    if (fetched !== undefined && !await helia.blockstore.has(cid)) fetched.push(cid)
    const bytes = await storage.get(hash).catch(() => undefined)
    if (!(bytes instanceof Uint8Array)) return undefined
    let value: unknown
    try {
      value = dagCbor.decode(bytes)
    } catch {
      return undefined
    }
    return typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined
  }
}

/**
 * Resolves when `asker` (a peer ID; unknown for a database reopened at start) may have `address` hosted, else throws a
 * HostRefusal.
 */
export async function checkHosting (
  orbitdb: Pick<OrbitDBFunctions, 'IPFSBlockStorage' | 'parseAddress'>, helia: BlockNode, policy: HostPolicy,
  address: string, asker: string | undefined
): Promise<void> {
  if (asker !== undefined && policy.peers.includes(asker)) return
  const read = await blockReader(orbitdb, helia)
  const fetched: CID[] = []
  const refuse = (reason: string): never => {
    throw new HostRefusal('not-allowed', `${address} is not hosted here: ${reason}`)
  }
  const unread = (what: string): never => refuse(`its ${what} could not be read within ${READ_TIMEOUT_MS} ms`)
  try {
    const manifestHash = orbitdb.parseAddress(address).hash
    const manifest = await read(manifestHash, fetched).catch(() => undefined) ?? unread('manifest')
    if (manifest.type !== 'documents') {
      refuse(`it is a ${String(manifest.type)} database, and this server hosts documents databases`)
    }
    const controller = manifest.accessController
    if (typeof controller !== 'string' || !controller.startsWith('/ipfs/')) {
      refuse('its access controller is not an IPFS one (a write list fixed at creation)')
    }
    const access = await read(String(controller).slice('/ipfs/'.length), fetched).catch(() => undefined) ??
      unread('access controller')
    const write = access.write
    if (access.type !== 'ipfs' || !Array.isArray(write) || !write.every(id => typeof id === 'string')) {
      refuse('its access controller has no write list')
    }
    const writers = write as string[]
    const anyWriter = policy.writers.includes('*')
    if (writers.includes('*') && !anyWriter) refuse('anyone may write to it ("*")')
    if (!anyWriter && !writers.some(id => policy.writers.includes(id))) {
      refuse('none of its writers is one this server hosts for (HOST_WRITERS)')
    }
  } catch (err) {
    await Promise.all(fetched.map(async cid => helia.deleteQuietly(cid).catch(() => {})))
    throw err
  }
}
