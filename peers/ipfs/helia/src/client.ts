// The client role: `get <cid> [out]` fetches a file, directory or DAG over bitswap (or, with GATEWAY_URL, as
// one CAR from a trustless gateway), every block checked, and writes it (src/fetch.ts); `add <path>` imports a
// file or directory and asks the server to pin it (src/pinning.ts). Both dial the server first (src/connect.ts).
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { connectedNode, type ClientConfig, type Log } from './connect.ts'
import { fetchTo, parseCid } from './fetch.ts'
import { importPath, statPath } from './files.ts'
import { createNode } from './node.ts'
import { requestPin } from './pinning.ts'
import { MiB } from './progress.ts'
import { runClient } from './run/client.ts'

// #region get
export async function get (config: ClientConfig, cidText: string | undefined, outPath: string | undefined,
  log: Log = console.log) {
  const cid = parseCid(cidText)
  const target = outPath ?? cid.toString()
  if (existsSync(target)) throw new Error(`${target} already exists; not overwriting it`)
  const { gatewayUrl, fetchTimeoutMs: timeoutMs } = config
  const { helia } = gatewayUrl !== undefined ? { helia: await createNode() } : await connectedNode(config, log)
  // written under a temporary name and renamed once complete: a failure leaves nothing at `target`
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`
  try {
    const started = performance.now()
    const { bytesWritten: bytes, blocksFetched: blocks, what } = await fetchTo(helia, cid, partial,
      { timeoutMs, gatewayUrl, log })
    const ms = Math.round(performance.now() - started)
    if (process.stdout.isTTY === true && log === console.log) process.stdout.write('\n')
    await rename(partial, target)
    log(`fetched ${cid} → ${target}: ${what}, ${bytes} bytes, ${blocks} blocks in ${ms} ms ` +
      `(${(bytes / MiB / (ms / 1000)).toFixed(1)} MiB/s); every block checked against its CID ✓`)
    return { cid: cid.toString(), outPath: target, bytes, blocks, ms }
  } finally {
    await rm(partial, { recursive: true, force: true })
    await helia.stop()
  }
}
// #endregion

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
