// A trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/) for what this node holds:
// GET /ipfs/<cid> answers a raw block (Accept: application/vnd.ipld.raw or ?format=raw) or a CAR of the
// whole DAG (Accept: application/vnd.ipld.car or ?format=car; ?dag-scope=block for the root block alone).
// Clients verify the bytes against the CID,
// so they need not trust this server. It never fetches from the network: what is not here is a 404.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import { car } from '@helia/car'
import { CarWriter } from '@ipld/car'
import { CID } from 'multiformats/cid'
import type { Node } from './node.ts'

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'

function requestedFormat (request: IncomingMessage, url: URL): 'raw' | 'car' | undefined {
  const format = url.searchParams.get('format')
  if (format === 'raw' || format === 'car') return format
  const accept = request.headers.accept ?? ''
  if (accept.includes(RAW)) return 'raw'
  if (accept.includes(CAR)) return 'car'
  return undefined
}

async function * singleBlockCar (cid: CID, bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([cid])
  const written = writer.put({ cid, bytes }).then(async () => writer.close())
  yield * out
  await written
}

function fail (response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(message + '\n')
}

// Every answer is public and checked by the client against its CID, so any page may read it (pages such as
// web/ run on another origin); a browser asks with OPTIONS first when it sends headers beyond the simple ones.
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers': 'Accept, Range, Cache-Control',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Type, ETag, X-Ipfs-Path'
}

async function answer (helia: Node, request: IncomingMessage, response: ServerResponse): Promise<void> {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value)
  if (request.method === 'OPTIONS') return void response.writeHead(204).end()
  const url = new URL(request.url ?? '/', 'http://gateway')
  const match = /^\/ipfs\/([^/]+)\/?$/.exec(url.pathname)
  if (request.method !== 'GET' && request.method !== 'HEAD') return fail(response, 405, 'only GET, HEAD and OPTIONS')
  if (match === null) return fail(response, 404, 'expected /ipfs/<cid>')
  let cid: CID
  try {
    cid = CID.parse(decodeURIComponent(match[1]!))
  } catch (err) {
    return fail(response, 400, `invalid CID: ${(err as Error).message}`)
  }
  const format = requestedFormat(request, url)
  if (format === undefined) return fail(response, 406, `this is a trustless gateway: ask for ${RAW} or ${CAR}`)
  const scope = url.searchParams.get('dag-scope') ?? 'all'
  if (scope !== 'all' && scope !== 'block') return fail(response, scope === 'entity' ? 501 : 400, `dag-scope=${scope}: this gateway answers all (the default) or block`)
  if (!(await helia.blockstore.has(cid))) return fail(response, 404, `${cid} is not held here`)

  const headers = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=29030400, immutable', 'X-Ipfs-Path': `/ipfs/${cid}` }
  const rootBlock = async (): Promise<Buffer> => {
    const chunks: Uint8Array[] = []
    for await (const chunk of helia.blockstore.get(cid, { offline: true })) chunks.push(chunk)
    return Buffer.concat(chunks)
  }
  if (format === 'raw') {
    const block = await rootBlock()
    response.writeHead(200, { ...headers, 'Content-Type': RAW, 'Content-Length': block.byteLength, ETag: `"${cid}.raw"` })
    response.end(request.method === 'HEAD' ? undefined : block)
    return
  }
  response.writeHead(200, { ...headers, 'Content-Type': `${CAR}; version=1`, ETag: `"${cid}.car${scope === 'block' ? '.block' : ''}"` })
  if (request.method === 'HEAD') return void response.end()
  const body = scope === 'block' ? singleBlockCar(cid, await rootBlock()) : car(helia).export(cid, { offline: true })
  for await (const chunk of body) {
    if (!response.write(chunk)) await once(response, 'drain')
  }
  response.end()
}

export interface Gateway {
  url: string
  close: () => Promise<void>
}

export async function startGateway (helia: Node, host: string, port: number): Promise<Gateway> {
  // A client that trickles its headers (10 s) or its whole request (30 s) is cut off instead of holding a
  // socket for minutes; Node checks those deadlines every connectionsCheckingInterval.
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }, (request, response) => {
    answer(helia, request, response).catch((err: Error) => {
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
    }
  }
}
