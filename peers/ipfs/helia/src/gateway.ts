// A trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/) for what this node holds:
// node:http in front of @helia/verified-fetch, which answers the spec: raw blocks (Accept:
// application/vnd.ipld.raw or ?format=raw), CARs (application/vnd.ipld.car or ?format=car) with pathing
// (/ipfs/<cid>/a/b), dag-scope (all, entity, block), entity-bytes and the order/dups parameters, HEAD, ETags
// and caching headers; and at /ipns/<name> the signed IPNS records this node holds (src/names.ts). Clients
// verify the bytes against the CID (a record against its name), so they need not trust this server. It never
// fetches from the network (every request is answered "only if cached"): what is not here is a 404.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { unixfs } from '@helia/unixfs'
import { createVerifiedFetchWithHelia, type VerifiedFetch } from '@helia/verified-fetch'
import { unmarshalIPNSRecord } from 'ipns'
import { CID } from 'multiformats/cid'
import { nameOf, peerOfName, recordOf } from './names.ts'
import type { Node } from './node.ts'

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'
const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'

function fail (response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message + '\n')
}

// Every answer is public and checked by the client against its CID, so any page may read it (pages such as
// web/ run on another origin); a browser asks with OPTIONS first when it sends headers beyond the simple ones.
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Accept, Range, Cache-Control, If-None-Match',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Content-Type, Content-Disposition, ETag, X-Ipfs-Path, X-Ipfs-Roots'
}

/** The request headers verified-fetch reads besides Accept: which part (Range), and cache validation. */
const FORWARDED_HEADERS = ['range', 'if-none-match']

/**
 * The Accept header a request means: its ?format= (with the CAR parameters car-version, car-order and
 * car-dups) where given, which the spec lets override the Accept header, else its own Accept header.
 */
function acceptOf (request: IncomingMessage, url: URL): string {
  const format = url.searchParams.get('format')
  if (format === 'raw') return RAW
  if (format === 'car') {
    const parameters = [['version', 'car-version'], ['order', 'car-order'], ['dups', 'car-dups']]
      .flatMap(([name, query]) => url.searchParams.has(query!) ? [`${name}=${url.searchParams.get(query!)}`] : [])
    return [CAR, ...parameters].join('; ')
  }
  return format === null ? request.headers.accept ?? '' : `application/x-unknown-format-${format}`
}

/**
 * A CAR request without order or dups gets this gateway's defaults, depth-first without duplicates (the spec
 * asks for dups=n where the gateway can choose; verified-fetch would otherwise answer order=unk; dups=y).
 */
function withCarDefaults (accept: string): string {
  if (!accept.includes(CAR) || accept.includes(',')) return accept
  return [accept, ...(/order=/.test(accept) ? [] : ['order=dfs']), ...(/dups=/.test(accept) ? [] : ['dups=n'])].join('; ')
}

async function answer (helia: Node, verifiedFetch: VerifiedFetch, request: IncomingMessage, response: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value)
  if (request.method === 'OPTIONS') return void response.writeHead(204).end()
  if (request.method !== 'GET' && request.method !== 'HEAD') return fail(response, 405, 'only GET, HEAD and OPTIONS')
  const url = new URL(request.url ?? '/', 'http://gateway')
  if (url.pathname.startsWith('/ipns/')) return answerName(helia, request, url, response)
  if (!/^\/ipfs\/[^/]+/.test(url.pathname)) return fail(response, 404, 'expected /ipfs/<cid>[/path] or /ipns/<name>')
  try {
    CID.parse(decodeURIComponent(url.pathname).split('/')[2]!)
  } catch (err) {
    return fail(response, 400, `invalid path ${url.pathname.slice(0, 200)}: ${(err as Error).message}`)
  }
  const accept = acceptOf(request, url)
  // a trustless gateway answers only with verifiable formats
  if (!accept.includes(RAW) && !accept.includes(CAR)) return fail(response, 406, `this is a trustless gateway: ask for ${RAW} or ${CAR}`)
  const headers = new Headers({ 'cache-control': 'only-if-cached', accept: withCarDefaults(accept) }) // only-if-cached: never fetch from the network
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name]
    if (typeof value === 'string') headers.set(name, value)
  }
  const abort = new AbortController()
  response.once('close', () => abort.abort()) // a client that went away stops the export
  // verified-fetch takes ipfs:// URLs: /ipfs/<cid>/<path>?<query> is ipfs://<cid>/<path>?<query>
  const answered = await verifiedFetch(`ipfs://${url.pathname.slice('/ipfs/'.length)}${url.search}`, { method: request.method, headers, signal: abort.signal })
  // only-if-cached and not here: verified-fetch says 412, the spec says 404
  if (answered.status === 412) return fail(response, 404, `${url.pathname.split('/')[2]} is not held here`)
  if (answered.status >= 400) {
    // verified-fetch describes errors as JSON with a stack trace: answer one line of text, as gateways do
    const body = await answered.text()
    const error = /^\{/.test(body) ? (JSON.parse(body) as { stack?: string, message?: string }) : { message: body }
    return fail(response, answered.status, (error.stack ?? error.message ?? answered.statusText).split('\n')[0]!)
  }
  const answerHeaders = new Headers([...answered.headers].filter(([name]) => !name.startsWith('access-control-')))
  const type = answerHeaders.get('content-type') ?? ''
  if (answered.ok && type.startsWith(CAR)) {
    // verified-fetch 8 gives a CAR the ETag of the deserialized file and no X-Ipfs-Roots: a CAR is a
    // representation of its own, one per path, scope, byte range, order and duplicates (weak: generated)
    const roots = await rootsAlong(helia, url.pathname)
    const variant = createHash('sha256').update(JSON.stringify([url.pathname, type, url.searchParams.get('dag-scope'), url.searchParams.get('entity-bytes')])).digest('base64url').slice(0, 12)
    const etag = `W/"${roots.at(-1) ?? ''}.car.${variant}"`
    answerHeaders.set('etag', etag)
    answerHeaders.set('x-ipfs-roots', roots.join(','))
    if ((request.headers['if-none-match'] ?? '').split(',').map(tag => tag.trim()).includes(etag)) {
      await answered.body?.cancel()
      return void response.writeHead(304, Object.fromEntries(answerHeaders)).end()
    }
  }
  if (answered.ok && type === RAW && url.searchParams.get('filename') === null) {
    answerHeaders.set('content-disposition', `attachment; filename="${url.pathname.split('/')[2]}.bin"`) // the spec's name for a block
  }
  response.writeHead(answered.status, Object.fromEntries(answerHeaders))
  if (request.method === 'HEAD' || answered.body === null) return void response.end()
  await pipeline(Readable.fromWeb(answered.body), response)
}

/**
 * /ipns/<name>: the signed record this node holds for the name (?format=ipns-record or Accept:
 * application/vnd.ipfs.ipns-record), which the client verifies against the name; nothing else, as a
 * trustless gateway (no resolving to content here, no paths).
 */
async function answerName (helia: Node, request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
  const [name, ...path] = url.pathname.slice('/ipns/'.length).split('/')
  const peerId = peerOfName(decodeURIComponent(name ?? ''))
  if (peerId === undefined) return fail(response, 400, `invalid IPNS name ${(name ?? '').slice(0, 100)}: expected a k51… name or a peer ID`)
  const format = url.searchParams.get('format')
  const wanted = format === null ? (request.headers.accept ?? '').includes(IPNS_RECORD) : format === 'ipns-record'
  if (!wanted || path.some(segment => segment !== '')) return fail(response, 406, `this is a trustless gateway: /ipns/<name> serves the name's record (${IPNS_RECORD} or ?format=ipns-record), no path`)
  const record = await recordOf(helia, peerId)
  if (record === undefined) return fail(response, 404, `no record for /ipns/${name} here`)
  const ttl = unmarshalIPNSRecord(record).ttl ?? 0n
  response.writeHead(200, {
    'Content-Type': IPNS_RECORD,
    'Content-Length': record.byteLength,
    'Cache-Control': `public, max-age=${ttl / 1_000_000_000n}`,
    'Content-Disposition': `attachment; filename="${nameOf(peerId)}.ipns-record"`,
    'X-Ipfs-Path': `/ipns/${nameOf(peerId)}`
  })
  response.end(request.method === 'HEAD' ? undefined : record)
}

/** The CIDs along /ipfs/<cid>/<path>: the root's, then each path segment's, as far as they resolve here. */
async function rootsAlong (helia: Node, pathname: string): Promise<string[]> {
  const [root, ...segments] = pathname.slice('/ipfs/'.length).split('/').filter(segment => segment !== '').map(decodeURIComponent)
  const roots = [CID.parse(root!).toString()]
  for (let index = 1; index <= segments.length; index++) {
    const stat = await unixfs(helia).stat(CID.parse(root!), { path: segments.slice(0, index).join('/'), offline: true }).catch(() => undefined)
    if (stat === undefined) break
    roots.push(stat.cid.toString())
  }
  return roots
}

export interface Gateway {
  url: string
  close: () => Promise<void>
}

export async function startGateway (helia: Node, host: string, port: number): Promise<Gateway> {
  const verifiedFetch = await createVerifiedFetchWithHelia(helia)
  // A client that trickles its headers (10 s) or its whole request (30 s) is cut off instead of holding a
  // socket for minutes; Node checks those deadlines every connectionsCheckingInterval.
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }, (request, response) => {
    answer(helia, verifiedFetch, request, response).catch((err: Error) => {
      // Headers may be out already (a CAR whose DAG is incomplete here): then cut the response short.
      if (response.headersSent) response.destroy(err)
      else fail(response, 500, err.message)
    })
  })
  server.listen(port, host)
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err as Error })])
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('gateway has no TCP address')
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await verifiedFetch.stop()
    }
  }
}
