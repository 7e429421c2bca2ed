// Fetching one CID into a path: a UnixFS file or directory through the exporter, any other DAG (dag-cbor,
// dag-json) whole, its root written as dag-json. Blocks come over bitswap from connected peers or, with a
// gateway URL, as one CAR first (src/trustless.ts); every block is checked against its CID on the way in.
import { writeFile } from 'node:fs/promises'
import * as dagJson from '@ipld/dag-json'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { exportTo, fetchDag, type TransferProgress } from './files.ts'
import type { Node } from './node.ts'
import { progressPrinter } from './progress.ts'
import { fetchCar } from './trustless.ts'

export function parseCid (text: string | undefined): CID {
  if (text === undefined) throw new Error('usage: client get <cid> [out]')
  try {
    return CID.parse(text)
  } catch (err) {
    throw new Error(`malformed CID "${text}": ${(err as Error).message}`)
  }
}

/** One line for a hash or codec this client cannot check or read. */
function unsupported (err: Error, cid: CID): Error {
  if (err.name === 'UnknownHashAlgorithmError') {
    const code = cid.multihash.code.toString(16)
    return new Error(`cannot check ${cid}'s blocks: their hash function (multihash 0x${code})` +
      ` is not one this client knows (${err.message})`)
  }
  if (err.name === 'NoResolverError') {
    return new Error(`cannot read ${cid}: its codec 0x${cid.code.toString(16)} is neither UnixFS nor a DAG codec ` +
      'this client knows (dag-pb, raw, dag-cbor, dag-json, json)')
  }
  return err
}

export interface FetchOptions {
  timeoutMs: number
  /** Fetch one CAR from this trustless gateway, then read only the local blockstore. */
  gatewayUrl: string | undefined
  log: (line: string) => void
}

// #region fetch
export async function fetchTo (helia: Node, cid: CID, path: string, { timeoutMs, gatewayUrl, log }: FetchOptions) {
  const offline = gatewayUrl !== undefined // from a gateway, the whole DAG arrives first
  const signal = AbortSignal.timeout(timeoutMs)
  let progress: TransferProgress = { blocksFetched: 0, bytesWritten: 0 }
  let what = 'a file'
  try {
    if (gatewayUrl !== undefined) {
      log(`fetching ${cid} as a CAR from ${gatewayUrl}`)
      progress.blocksFetched += (await fetchCar(helia, gatewayUrl, cid, { signal })).blocks
    }
    const countRoot = (event: { type: string }): void => {
      if (event.type === 'blocks:get:blockstore:put') progress.blocksFetched++
    }
    const root = await exporter(cid, helia.blockstore, { signal, offline, onProgress: countRoot })
    if (root.type === 'object') {
      // a DAG that is not UnixFS (dag-cbor, dag-json): fetch all of it, write its root as dag-json
      const json = dagJson.encode(root.object)
      progress.blocksFetched += await fetchDag(helia, cid, { signal, offline })
      await writeFile(path, json, { flag: 'wx' })
      progress.bytesWritten = json.byteLength
      what = `a ${cid.code === dagJson.code ? 'dag-json' : 'dag-cbor'} DAG, its root written as dag-json`
    } else {
      const onProgress = progressPrinter(log, root.type === 'directory' ? undefined : Number(root.size))
      const exported = await exportTo(helia.blockstore, cid, path, { signal, offline, onProgress })
      progress = { ...exported, blocksFetched: exported.blocksFetched + progress.blocksFetched }
      if (root.type === 'directory') what = 'a directory'
    }
  } catch (err) {
    if (!signal.aborted) throw unsupported(err as Error, cid)
    const who = offline ? 'the gateway did not send it' : 'no connected peer sent it'
    throw new Error(`could not fetch ${cid} within ${timeoutMs} ms: ${who}`)
  }
  return { ...progress, what }
}
// #endregion
