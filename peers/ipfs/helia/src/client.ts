// The client role:
//   pnpm start:client get <cid> [out]   fetch a file, directory or DAG over bitswap, every block checked, and write it
//   pnpm start:client add <path>        import a file or directory and ask the server to pin it
// SERVER_ADDR names the server (see src/config.ts); with GATEWAY_URL, `get` fetches a CAR from that
// trustless gateway over HTTP instead (src/trustless.ts).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm, writeFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import * as dagJson from '@ipld/dag-json'
import { KEEP_ALIVE } from '@libp2p/interface'
import { exporter } from 'ipfs-unixfs-exporter'
import { CID } from 'multiformats/cid'
import { oneLine, readClientConfig, type ClientConfig } from './config.ts'
import { dialWithRetry, parseServerAddress } from './dial.ts'
import { exportTo, fetchDag, importPath, statPath, type TransferProgress } from './files.ts'
import { decodePrivateKey } from './identity.ts'
import { createNode, type Node } from './node.ts'
import { requestPin, type PinResponse } from './pinning.ts'
import { fetchCar } from './trustless.ts'

type Log = (line: string) => void

function parseCid (text: string | undefined): CID {
  if (text === undefined) throw new Error('usage: client get <cid> [out]')
  try {
    return CID.parse(text)
  } catch (err) {
    throw new Error(`malformed CID "${text}": ${(err as Error).message}`)
  }
}

const MiB = 1024 * 1024

function progressPrinter (log: Log, totalBytes: number | undefined): (progress: TransferProgress) => void {
  const interactive = process.stdout.isTTY === true && log === console.log
  let lastBucket = -1
  return ({ blocksFetched, bytesWritten }) => {
    const fraction = totalBytes === undefined || totalBytes === 0 ? undefined : Math.min(bytesWritten / totalBytes, 1)
    const bar = fraction === undefined ? '' : `[${'#'.repeat(Math.round(fraction * 20)).padEnd(20, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `
    const line = `${bar}${(bytesWritten / MiB).toFixed(2)}${totalBytes === undefined ? '' : `/${(totalBytes / MiB).toFixed(2)}`} MiB, ${blocksFetched} blocks fetched`
    if (interactive) {
      process.stdout.write(`\r${line}`)
      return
    }
    const bucket = fraction === undefined ? Math.floor(blocksFetched / 100) : Math.floor(fraction * 4) // a line per 25%
    if (bucket !== lastBucket) {
      lastBucket = bucket
      log(line)
    }
  }
}

function clientKey (base64Key: string): ReturnType<typeof decodePrivateKey> {
  try {
    return decodePrivateKey(base64Key)
  } catch (err) {
    throw new Error(`PRIVATE_KEY: ${(err as Error).message}`)
  }
}

async function connectedNode (config: ClientConfig, log: Log): Promise<{ helia: Node, server: ReturnType<typeof parseServerAddress> }> {
  const server = parseServerAddress(config.serverAddress)
  const privateKey = config.privateKey === undefined ? undefined : clientKey(config.privateKey)
  const helia = await createNode({ swarmKey: config.swarmKey, privateKey })
  try {
    log(`client ${helia.libp2p.peerId} dialling ${server}`)
    const started = performance.now()
    const connection = await dialWithRetry(helia, server, config.dialDeadlineMs, (attempt, error, waitMs) => log(`attempt ${attempt} failed (${error.message}); retrying in ${waitMs} ms`))
    const peer = connection.remotePeer
    log(`connected to ${peer} in ${Math.round(performance.now() - started)} ms`)
    // If the connection drops (a server restart), libp2p dials a peer tagged keep-alive again (backing off
    // from 1 s, five times), and bitswap sends the new connection what it still wants: the fetch goes on.
    await helia.libp2p.peerStore.merge(peer, { tags: { [KEEP_ALIVE]: { value: 1 } } })
    const running = (): boolean => helia.libp2p.status === 'started'
    helia.libp2p.addEventListener('peer:disconnect', ({ detail }) => { if (detail.equals(peer) && running()) log(`connection to ${peer} lost; dialling it again`) })
    helia.libp2p.addEventListener('peer:connect', ({ detail }) => { if (detail.equals(peer) && running()) log(`reconnected to ${peer}`) })
    return { helia, server: connection.remoteAddr }
  } catch (err) {
    await helia.stop()
    throw err
  }
}

export interface GetReport { cid: string, outPath: string, bytes: number, blocks: number, ms: number }

/** One line for what a block's or codec's kind keeps this client from checking or reading. */
function unsupported (err: Error, cid: CID): Error {
  if (err.name === 'UnknownHashAlgorithmError') return new Error(`cannot check ${cid}'s blocks: their hash function (multihash 0x${cid.multihash.code.toString(16)}) is not one this client knows (${err.message})`)
  if (err.name === 'NoResolverError') return new Error(`cannot read ${cid}: its codec 0x${cid.code.toString(16)} is neither UnixFS nor a DAG codec this client knows (dag-pb, raw, dag-cbor, dag-json, json)`)
  return err
}

export async function get (config: ClientConfig, cidText: string | undefined, outPath: string | undefined, log: Log = console.log): Promise<GetReport> {
  const cid = parseCid(cidText)
  const target = outPath ?? cid.toString()
  if (existsSync(target)) throw new Error(`${target} already exists; not overwriting it`)
  const { helia } = config.gatewayUrl === undefined ? await connectedNode(config, log) : { helia: await createNode() }
  // Written under a temporary name and renamed only once complete: a failure leaves nothing at `target`.
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`
  try {
    const signal = AbortSignal.timeout(config.fetchTimeoutMs)
    const started = performance.now()
    let progress: TransferProgress
    let what: string
    // From a gateway the whole DAG arrives first, so the export reads only local blocks.
    const offline = config.gatewayUrl !== undefined
    try {
      let blocksFromGateway = 0
      if (config.gatewayUrl !== undefined) {
        log(`fetching ${cid} as a CAR from ${config.gatewayUrl}`)
        blocksFromGateway = (await fetchCar(helia, config.gatewayUrl, cid, { signal })).blocks
      }
      let rootBlocks = 0
      const countRoot = (event: { type: string }): void => { if (event.type === 'blocks:get:blockstore:put') rootBlocks++ }
      const root = await exporter(cid, helia.blockstore, { signal, offline, onProgress: countRoot })
      if (root.type === 'object') {
        // a DAG that is not UnixFS (dag-cbor, dag-json): fetch all of it, write its root as dag-json
        const blocks = rootBlocks + await fetchDag(helia, cid, { signal, offline })
        const json = dagJson.encode(root.object)
        await writeFile(partial, json, { flag: 'wx' })
        progress = { blocksFetched: blocks, bytesWritten: json.byteLength }
        what = `a ${cid.code === dagJson.code ? 'dag-json' : 'dag-cbor'} DAG, its root written as dag-json`
      } else {
        progress = await exportTo(helia.blockstore, cid, partial, { signal, offline, onProgress: progressPrinter(log, root.type === 'directory' ? undefined : Number(root.size)) })
        progress.blocksFetched += rootBlocks
        what = root.type === 'directory' ? 'a directory' : 'a file'
      }
      progress.blocksFetched += blocksFromGateway
    } catch (err) {
      if (signal.aborted) throw new Error(`could not fetch ${cid} within ${config.fetchTimeoutMs} ms: ${offline ? 'the gateway did not send it' : 'no connected peer sent it'}`)
      throw unsupported(err as Error, cid)
    }
    const ms = Math.round(performance.now() - started)
    if (process.stdout.isTTY === true && log === console.log) process.stdout.write('\n')
    await rename(partial, target)
    log(`fetched ${cid} → ${target}: ${what}, ${progress.bytesWritten} bytes, ${progress.blocksFetched} blocks in ${ms} ms (${(progress.bytesWritten / MiB / (ms / 1000)).toFixed(1)} MiB/s); every block checked against its CID ✓`)
    return { cid: cid.toString(), outPath: target, bytes: progress.bytesWritten, blocks: progress.blocksFetched, ms }
  } finally {
    await rm(partial, { recursive: true, force: true })
    await helia.stop()
  }
}

export async function add (config: ClientConfig, path: string | undefined, log: Log = console.log): Promise<{ cid: string, pin: PinResponse }> {
  if (path === undefined) throw new Error('usage: client add <path>')
  await statPath(path) // fail on a missing path before any network use
  const { helia, server } = await connectedNode(config, log)
  try {
    const cid = await importPath(unixfs(helia), path)
    log(`imported ${path} as ${cid}`)
    const started = performance.now()
    const pin = await requestPin(helia, server, cid, { signal: AbortSignal.timeout(config.fetchTimeoutMs) })
    if (!pin.ok) throw new Error(`server did not pin ${cid}: ${pin.error}`)
    log(`server pinned ${pin.cid}: ${pin.blocks} blocks, ${pin.bytes} bytes${pin.alreadyPinned ? ' (already pinned)' : ''} in ${Math.round(performance.now() - started)} ms`)
    return { cid: cid.toString(), pin }
  } finally {
    await helia.stop()
  }
}

if (import.meta.main) {
  const [command, ...args] = process.argv.slice(2)
  try {
    const config = readClientConfig()
    if (command === 'get') await get(config, args[0], args[1])
    else if (command === 'add') await add(config, args[0])
    else throw new Error(`unknown command "${command ?? ''}"; usage: client get <cid> [out] | client add <path>`)
  } catch (err) {
    console.error(`client: ${oneLine((err as Error).message)}`)
    process.exitCode = 1
  }
}
