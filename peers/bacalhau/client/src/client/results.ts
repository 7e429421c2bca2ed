// Getting a finished job's outputs: a `urlDownload` result (the local publisher's tar.gz) is downloaded and
// unpacked; an `ipfs` result is fetched by CID from a connected IPFS peer.
import { mkdir } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CID } from 'multiformats/cid'
import { extract } from 'tar'
import { exportTo, type IpfsNode } from '../ipfs.ts'
import { authorizationHeader, type Auth } from './bacalhau-client.ts'
import type { PublishedResult } from './types.ts'

/** `auth` goes with a urlDownload result's request: the local runner asks for its token there too. */
export async function downloadResult (
  result: PublishedResult, targetDir: string, options: { ipfs?: IpfsNode, signal?: AbortSignal, auth?: Auth } = {}
): Promise<void> {
  if (result.Type === 'urlDownload') {
    const headers = options.auth === undefined ? undefined : { Authorization: authorizationHeader(options.auth) }
    const response = await fetch(result.Params.URL, { signal: options.signal, headers })
    if (!response.ok || response.body === null) {
      throw new Error(`downloading ${result.Params.URL}: HTTP ${response.status}`)
    }
    await mkdir(targetDir, { recursive: true })
    await pipeline(Readable.fromWeb(response.body), extract({ cwd: targetDir }))
    return
  }
  if (result.Type === 'ipfs') {
    if (options.ipfs === undefined) {
      throw new Error(`result ${result.Params.CID} is on IPFS: pass an IPFS node connected to a peer that has it`)
    }
    await exportTo(options.ipfs, CID.parse(result.Params.CID), targetDir, options.signal)
    return
  }
  throw new Error(`cannot download a result of type ${result.Type}`)
}
