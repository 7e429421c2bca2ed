// The page: ?server=<the Helia server's /ws multiaddr>&gateway=<its gateway URL>&cid=<a file or directory>.
// Fetches every file under the CID over bitswap (WebSockets) into IndexedDB with progress, then the first
// file again through the server's trustless gateway with @helia/verified-fetch, and compares the SHA-256s.
// Reload it with the server down and it opens the same content from IndexedDB.
import { unixfs } from '@helia/unixfs'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { createBrowserHelia, createGatewayFetch } from './browser-node.ts'

const show = (id: string, text: string): void => { document.getElementById(id)!.textContent = text }
const setState = (state: string, text = state): void => {
  const element = document.getElementById('state')!
  element.dataset.state = state
  element.textContent = text
}
const hex = (digest: ArrayBuffer): string =>
  Array.from(new Uint8Array(digest), byte => byte.toString(16).padStart(2, '0')).join('')
const sha256 = async (bytes: Uint8Array<ArrayBuffer>): Promise<string> =>
  hex(await crypto.subtle.digest('SHA-256', bytes))

interface FileRead { path: string, bytes: number, sha256: string }

const helia = await createBrowserHelia()
const fs = unixfs(helia)
show('peer', helia.libp2p.peerId.toString())

/** Every file under `root` (a file CID is one file named by its CID), read whole and hashed. */
async function readAll (
  root: CID, offline: boolean, onProgress: (bytes: number, blocks: number) => void
): Promise<FileRead[]> {
  let bytes = 0
  let blocks = 0
  const options = {
    offline,
    signal: AbortSignal.timeout(120_000),
    onProgress: (event: { type: string }) => {
      // a block arrived and was checked against its CID
      if (event.type === 'blocks:get:blockstore:put') onProgress(bytes, ++blocks)
    }
  }
  const files: FileRead[] = []
  const walk = async (cid: CID, path: string): Promise<void> => {
    const stat = await fs.stat(cid, options)
    if (stat.type === 'directory') {
      for await (const entry of fs.ls(cid, options)) {
        await walk(entry.cid, path === '' ? entry.name : `${path}/${entry.name}`)
      }
      return
    }
    const chunks: Uint8Array[] = []
    for await (const chunk of fs.cat(cid, options)) {
      chunks.push(chunk)
      bytes += chunk.byteLength
      onProgress(bytes, blocks)
    }
    const whole = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.byteLength, 0))
    chunks.reduce((offset, chunk) => { whole.set(chunk, offset); return offset + chunk.byteLength }, 0)
    files.push({ path: path === '' ? cid.toString() : path, bytes: whole.byteLength, sha256: await sha256(whole) })
  }
  await walk(root, '')
  return files
}

async function run (server: string, gateway: string | null, root: CID): Promise<void> {
  setState('dialling', `dialling ${server}`)
  let online = true
  try {
    const connection = await helia.libp2p.dial(multiaddr(server), { signal: AbortSignal.timeout(5_000) })
    show('source', `bitswap from ${connection.remotePeer} via ${connection.remoteAddr}`)
  } catch (err) {
    online = false
    show('source', `IndexedDB only: the server is unreachable (${(err as Error).message})`)
  }
  setState('fetching')
  const started = performance.now()
  const files = await readAll(root, !online,
    (bytes, blocks) => show('progress', `${bytes} bytes · ${blocks} blocks fetched and verified`))
  const ms = performance.now() - started
  const total = files.reduce((sum, file) => sum + file.bytes, 0)
  show('progress', `${total} bytes in ${files.length} files · ${ms.toFixed(0)} ms`)
  document.getElementById('progress')!.dataset.ms = ms.toFixed(1)
  const list = document.getElementById('files')!
  list.replaceChildren(...files.map(file => {
    const item = document.createElement('li')
    item.textContent = `${file.path} · ${file.bytes} bytes · sha256 ${file.sha256}`
    return item
  }))

  if (online && gateway !== null && files[0] !== undefined) {
    const first = files[0]
    const gatewayFetch = await createGatewayFetch(gateway)
    try {
      const path = first.path.split('/').map(encodeURIComponent).join('/')
      const url = first.path === root.toString() ? `ipfs://${root}` : `ipfs://${root}/${path}`
      const response = await gatewayFetch.verifiedFetch(url, { signal: AbortSignal.timeout(30_000) })
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
      const digest = await sha256(new Uint8Array(await response.arrayBuffer()))
      if (digest !== first.sha256) throw new Error(`${url} from the gateway differs from bitswap's`)
      show('gateway', `${first.path}: the same bytes from ${gateway} (sha256 ${digest.slice(0, 16)}…) ✓`)
    } finally {
      await gatewayFetch.stop()
    }
  }
  setState('done')
}

const query = new URLSearchParams(location.search)
const server = query.get('server')
const cid = query.get('cid')
if (server === null || cid === null) {
  setState('idle', 'open this page with ?server=<multiaddr>&cid=<cid>[&gateway=<url>] (pnpm dev:web prints one)')
} else {
  let root: CID | undefined
  try {
    root = CID.parse(cid)
  } catch (err) {
    setState('failed', `failed: invalid CID ${cid}: ${(err as Error).message}`)
  }
  if (root !== undefined) {
    await run(server, query.get('gateway'), root).catch((err: Error) => setState('failed', `failed: ${err.message}`))
  }
}
