// The client role: `get <cid> [out]` fetches a file, directory or DAG over bitswap (or, with GATEWAY_URL, as
// one CAR from a trustless gateway: src/trustless.ts), every block checked, and writes it; `add <path>`
// imports a file or directory and asks the server to pin it (src/pinning.ts).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import type { BitswapBlockBrokerInit } from '@helia/bitswap'
import { unixfs } from '@helia/unixfs'
import * as dagJson from '@ipld/dag-json'
import { KEEP_ALIVE, type PrivateKey } from '@libp2p/interface'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { dialWithRetry, parseServerAddress } from './dial.ts'
import { exportTo, fetchDag, importPath, statPath, type TransferProgress } from './files.ts'
import { createNode } from './node.ts'
import { requestPin } from './pinning.ts'
import { MiB, progressPrinter } from './progress.ts'
import { runClient } from './run/client.ts'
import { fetchCar } from './trustless.ts'

export interface ClientConfig {
  serverAddress: string
  /** The client's identity, the peer ID a server's PIN_ALLOW_PEERS names; a new one each run when unset. */
  privateKey: PrivateKey | undefined
  dialDeadlineMs: number
  /** How long `get` waits for content nobody may have. */
  fetchTimeoutMs: number
  /** With a trustless gateway URL, `get` fetches a CAR over HTTP instead of blocks over bitswap. */
  gatewayUrl: string | undefined
  swarmKey: Uint8Array | undefined
  bitswap?: BitswapBlockBrokerInit
}
type Log = (line: string) => void

// #region connect
async function connectedNode (config: ClientConfig, log: Log) {
  const server = parseServerAddress(config.serverAddress)
  const helia = await createNode({ swarmKey: config.swarmKey, privateKey: config.privateKey, bitswap: config.bitswap })
  try {
    log(`client ${helia.libp2p.peerId} dialling ${server}`)
    const started = performance.now()
    const connection = await dialWithRetry(helia, server, config.dialDeadlineMs,
      (attempt, error, waitMs) => log(`attempt ${attempt} failed (${error.message}); retrying in ${waitMs} ms`))
    const peer = connection.remotePeer
    log(`connected to ${peer} in ${Math.round(performance.now() - started)} ms`)
    // a dropped connection (a server restart) is dialled again, and bitswap asks again: the fetch goes on
    await helia.libp2p.peerStore.merge(peer, { tags: { [KEEP_ALIVE]: { value: 1 } } })
    helia.libp2p.addEventListener('peer:disconnect', ({ detail }) => {
      if (detail.equals(peer) && helia.libp2p.status === 'started') log(`connection to ${peer} lost; dialling it again`)
    })
    helia.libp2p.addEventListener('peer:connect', ({ detail }) => {
      if (detail.equals(peer) && helia.libp2p.status === 'started') log(`reconnected to ${peer}`)
    })
    return { helia, server: connection.remoteAddr }
  } catch (err) {
    await helia.stop()
    throw err
  }
}
// #endregion

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

function parseCid (text: string | undefined): CID {
  if (text === undefined) throw new Error('usage: client get <cid> [out]')
  try {
    return CID.parse(text)
  } catch (err) {
    throw new Error(`malformed CID "${text}": ${(err as Error).message}`)
  }
}

export async function get (config: ClientConfig, cidText: string | undefined, outPath: string | undefined,
  log: Log = console.log) {
  const cid = parseCid(cidText)
  const target = outPath ?? cid.toString()
  if (existsSync(target)) throw new Error(`${target} already exists; not overwriting it`)
  const offline = config.gatewayUrl !== undefined // from a gateway, the whole DAG arrives first
  const { helia } = offline ? { helia: await createNode() } : await connectedNode(config, log)
  // written under a temporary name and renamed once complete: a failure leaves nothing at `target`
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`
  try {
    const signal = AbortSignal.timeout(config.fetchTimeoutMs)
    const started = performance.now()
    let progress: TransferProgress = { blocksFetched: 0, bytesWritten: 0 }
    let what = 'a file'
    try {
      if (config.gatewayUrl !== undefined) {
        log(`fetching ${cid} as a CAR from ${config.gatewayUrl}`)
        progress.blocksFetched += (await fetchCar(helia, config.gatewayUrl, cid, { signal })).blocks
      }
      const countRoot = (event: { type: string }): void => {
        if (event.type === 'blocks:get:blockstore:put') progress.blocksFetched++
      }
      const root = await exporter(cid, helia.blockstore, { signal, offline, onProgress: countRoot })
      if (root.type === 'object') {
        // a DAG that is not UnixFS (dag-cbor, dag-json): fetch all of it, write its root as dag-json
        const json = dagJson.encode(root.object)
        progress.blocksFetched += await fetchDag(helia, cid, { signal, offline })
        await writeFile(partial, json, { flag: 'wx' })
        progress.bytesWritten = json.byteLength
        what = `a ${cid.code === dagJson.code ? 'dag-json' : 'dag-cbor'} DAG, its root written as dag-json`
      } else {
        const onProgress = progressPrinter(log, root.type === 'directory' ? undefined : Number(root.size))
        const exported = await exportTo(helia.blockstore, cid, partial, { signal, offline, onProgress })
        progress = { ...exported, blocksFetched: exported.blocksFetched + progress.blocksFetched }
        if (root.type === 'directory') what = 'a directory'
      }
    } catch (err) {
      if (!signal.aborted) throw unsupported(err as Error, cid)
      const who = offline ? 'the gateway did not send it' : 'no connected peer sent it'
      throw new Error(`could not fetch ${cid} within ${config.fetchTimeoutMs} ms: ${who}`)
    }
    const ms = Math.round(performance.now() - started)
    if (process.stdout.isTTY === true && log === console.log) process.stdout.write('\n')
    await rename(partial, target)
    const { bytesWritten: bytes, blocksFetched: blocks } = progress
    log(`fetched ${cid} → ${target}: ${what}, ${bytes} bytes, ${blocks} blocks in ${ms} ms ` +
      `(${(bytes / MiB / (ms / 1000)).toFixed(1)} MiB/s); every block checked against its CID ✓`)
    return { cid: cid.toString(), outPath: target, bytes, blocks, ms }
  } finally {
    await rm(partial, { recursive: true, force: true })
    await helia.stop()
  }
}

// #region add
export async function add (config: ClientConfig, path: string | undefined, log: Log = console.log) {
  if (path === undefined) throw new Error('usage: client add <path>')
  await statPath(path) // fail on a missing path before any network use
  const { helia, server } = await connectedNode(config, log)
  try {
    const cid = await importPath(unixfs(helia), path)
    log(`imported ${path} as ${cid}`)
    const started = performance.now()
    const pin = await requestPin(helia, server, cid, { signal: AbortSignal.timeout(config.fetchTimeoutMs) })
    if (!pin.ok) throw new Error(`server did not pin ${cid}: ${pin.error}`)
    const already = pin.alreadyPinned ? ' (already pinned)' : ''
    log(`server pinned ${pin.cid}: ${pin.blocks} blocks, ${pin.bytes} bytes${already}` +
      ` in ${Math.round(performance.now() - started)} ms`)
    return { cid: cid.toString(), pin }
  } finally {
    await helia.stop()
  }
}
// #endregion

// env config, the command line and exit codes: src/run/client.ts
if (import.meta.main) await runClient({ get, add })
