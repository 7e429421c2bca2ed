// The page, for a browser nobody gave a provider's address to:
//   ?router=<Routing V1 URL>&cid=<cid>[&name=<k51…>]   asks the router (e.g. Kubo's gateway) for a provider of
//     the CID, fetches it from that provider over WebSockets (every block checked against its CID), and
//     resolves the IPNS name through the same router
//   ?text=<text>[&server=<a server's /ws multiaddr>]   adds the text in the page; with the address of a server
//     that accepts hosting (ACCEPT_HOSTING=1), asks it to keep and announce it: only then can Kubo, given
//     only the CID, find it (the page is in no DHT and nobody can dial it). The server hosts only for the
//     peer IDs in its HOSTING_ALLOW_PEERS: the page's peer ID is shown, and stays the same across visits
//     (its key is kept in localStorage), or comes from &key=<base64 protobuf private key>
import { ipns } from '@helia/ipns'
import { unixfs } from '@helia/unixfs'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { requestHosting } from '../src/hosting.ts'
import { createBrowserNode, type BrowserNode } from './browser-node.ts'

const TIMEOUT_MS = 30_000
const show = (id: string, text: string): void => { document.getElementById(id)!.textContent = text }
const setState = (state: string, text = state): void => {
  const element = document.getElementById('state')!
  element.dataset.state = state
  element.textContent = text
}
const since = (started: number): string => `${Math.round(performance.now() - started)} ms`

async function find (node: BrowserNode, router: string, cid: CID, name: string | null): Promise<void> {
  const started = performance.now()
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  setState('finding', `asking ${router} for providers of ${cid}`)
  let fetched = false
  // eslint-disable-next-line no-unreachable-loop -- the first provider is enough
  for await (const provider of node.routing.findProviders(cid, { signal })) {
    const peer = peerIdFromCID(provider.id)
    const at = provider.multiaddrs.map(String).join(', ')
    show('provider', `${peer} at ${at} (told by ${router} after ${since(started)})`)
    const connection = await node.libp2p.dial(provider.multiaddrs, { signal })
    show('connection', `connected to ${connection.remotePeer} via ${connection.remoteAddr}`)
    const chunks: Uint8Array[] = []
    for await (const chunk of unixfs(node).cat(cid, { signal })) chunks.push(chunk)
    show('content', new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer()))
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)
    show('fetched', `${bytes} bytes after ${since(started)}, every block checked against its CID`)
    fetched = true
    break
  }
  if (!fetched) throw new Error(`${router} knows no provider of ${cid} that a page can dial`)
  if (name !== null) {
    // eslint-disable-next-line no-unreachable-loop -- the best record is the first
    for await (const result of ipns(node).resolve(name, { signal, nocache: true })) {
      show('name', `/ipns/${name} → ${result.value} (sequence ${result.record.sequence}) after ${since(started)}`)
      break
    }
  }
  setState('done')
}

async function add (node: BrowserNode, text: string, server: string | null): Promise<void> {
  const started = performance.now()
  const cid = await unixfs(node).addBytes(new TextEncoder().encode(text))
  show('added', cid.toString())
  if (server === null) {
    setState('added', 'added in this page only: nobody else can find it')
    return
  }
  setState('hosting', `asking ${server} to keep and announce ${cid}`)
  const answer = await requestHosting(node, multiaddr(server), cid, AbortSignal.timeout(TIMEOUT_MS))
  if (!answer.ok) throw new Error(`the server did not host ${cid}: ${answer.error}`)
  const blocks = `${answer.blocks} block${answer.blocks === 1 ? '' : 's'}`
  const servers = `${answer.providerRecords} DHT server${answer.providerRecords === 1 ? '' : 's'}`
  show('hosted', `${server.split('/p2p/')[1]} fetched ${blocks} from this page and announced ${cid} to ${servers} ` +
    `after ${since(started)}`)
  setState('done')
}

const KEY_ITEM = 'liftoff-routing-page-key'
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), character => character.charCodeAt(0))

/** The page's key: from &key=, else the one kept in this browser's localStorage (made on the first visit). */
async function pageKey (given: string | null): Promise<PrivateKey> {
  if (given !== null) return privateKeyFromProtobuf(fromBase64(given))
  const kept = localStorage.getItem(KEY_ITEM)
  if (kept !== null) return privateKeyFromProtobuf(fromBase64(kept))
  const key = await generateKeyPair('Ed25519')
  localStorage.setItem(KEY_ITEM, btoa(String.fromCharCode(...privateKeyToProtobuf(key))))
  return key
}

const query = new URLSearchParams(location.search)
const [router, cid, text] = [query.get('router'), query.get('cid'), query.get('text')]
try {
  if ((router === null || cid === null) && text === null) {
    setState('idle', 'open this page with ?router=<Routing V1 URL>&cid=<cid>[&name=<k51…>] ' +
      'or ?text=<text>[&server=<multiaddr>]')
  } else {
    const node = await createBrowserNode(router ?? undefined, await pageKey(query.get('key')))
    show('peer', node.libp2p.peerId.toString())
    if (text !== null) await add(node, text, query.get('server'))
    else await find(node, router!, CID.parse(cid!), query.get('name'))
  }
} catch (err) {
  setState('failed', `failed: ${(err as Error).message}`)
}
