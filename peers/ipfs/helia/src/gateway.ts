// A trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/) for what this node holds:
// node:http in front of @helia/verified-fetch, which answers the spec (raw blocks, CARs with pathing,
// dag-scope, entity-bytes, order/dups, HEAD, ETags); /ipns/<name> hands out signed records (src/names.ts).
// Clients check every byte against its CID, so they need not trust it. It never fetches from the network.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createVerifiedFetchWithHelia, type VerifiedFetch } from '@helia/verified-fetch'
import { CID } from 'multiformats/cid'
import { answerName } from './names.ts'
import type { Node } from './node.ts'
import { fixCarHeaders } from './workarounds/car-etag.ts'

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'

function fail (response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message + '\n')
}

// Every answer is public and checked against its CID, so any page may read it (web/ runs on another origin)
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Accept, Range, Cache-Control, If-None-Match',
  'Access-Control-Expose-Headers':
    'Content-Length, Content-Range, Content-Type, Content-Disposition, ETag, X-Ipfs-Path, X-Ipfs-Roots'
}

/** The Accept header a request means: its ?format= (and car-* parameters) overrides its Accept header. */
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

/** A CAR without order or dups gets depth-first without duplicates (the spec asks for dups=n by choice). */
function withCarDefaults (accept: string): string {
  if (!accept.includes(CAR) || accept.includes(',')) return accept
  return [accept, ...(/order=/.test(accept) ? [] : ['order=dfs']), ...(/dups=/.test(accept) ? [] : ['dups=n'])]
    .join('; ')
}

async function answer (helia: Node, verifiedFetch: VerifiedFetch, request: IncomingMessage,
  response: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value)
  if (request.method === 'OPTIONS') {
    response.writeHead(204).end()
    return
  }
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
  if (!accept.includes(RAW) && !accept.includes(CAR)) {
    return fail(response, 406, `this is a trustless gateway: ask for ${RAW} or ${CAR}`)
  }
  // only-if-cached: never fetch from the network
  const headers = new Headers({ 'cache-control': 'only-if-cached', accept: withCarDefaults(accept) })
  for (const name of ['range', 'if-none-match']) {
    const value = request.headers[name]
    if (typeof value === 'string') headers.set(name, value)
  }
  const abort = new AbortController()
  response.once('close', () => abort.abort()) // a client that went away stops the export
  // verified-fetch takes ipfs:// URLs: /ipfs/<cid>/<path>?<query> is ipfs://<cid>/<path>?<query>
  const answered = await verifiedFetch(`ipfs://${url.pathname.slice('/ipfs/'.length)}${url.search}`,
    { method: request.method, headers, signal: abort.signal })
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
  if (answered.ok && type.startsWith(CAR) &&
    await fixCarHeaders(helia, url, answerHeaders, request.headers['if-none-match'])) {
    await answered.body?.cancel()
    response.writeHead(304, Object.fromEntries(answerHeaders)).end()
    return
  }
  if (answered.ok && type === RAW && url.searchParams.get('filename') === null) {
    // the spec's name for a block
    answerHeaders.set('content-disposition', `attachment; filename="${url.pathname.split('/')[2]}.bin"`)
  }
  response.writeHead(answered.status, Object.fromEntries(answerHeaders))
  if (request.method === 'HEAD' || answered.body === null) response.end()
  else await pipeline(Readable.fromWeb(answered.body), response)
}

export interface Gateway {
  url: string
  close: () => Promise<void>
}

// #region gateway
export async function startGateway (helia: Node, host: string, port: number): Promise<Gateway> {
  const verifiedFetch = await createVerifiedFetchWithHelia(helia)
  // a client that trickles its headers (10 s) or its request (30 s) is cut off instead of holding a socket
  const limits = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }
  const server = createServer(limits, (request, response) => {
    answer(helia, verifiedFetch, request, response).catch((err: Error) => {
      // headers may be out already (a CAR whose DAG is incomplete here): then cut the response short
      if (response.headersSent) response.destroy(err)
      else fail(response, 500, err.message)
    })
  })
  server.listen(port, host)
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]: Error[]) => { throw err })])
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
// #endregion
