// Workaround: @helia/verified-fetch 8 answers a CAR with the ETag of the deserialized file and without
// X-Ipfs-Roots, which the trustless gateway spec asks for. A CAR is a representation of its own, one per
// path, scope, byte range, order and duplicates, so it gets its own (weak: generated) ETag here.
// What it does: sets both headers on a CAR answer; tells the gateway when If-None-Match already matches.
// Needed for the spec (test/gateway-spec.test.ts): on by default. Canary: test/workarounds.test.ts.
import { createHash } from 'node:crypto'
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import type { Node } from '../node.ts'

/** The CIDs along /ipfs/<cid>/<path>: the root's, then each path segment's, as far as they resolve here. */
async function rootsAlong (helia: Node, pathname: string): Promise<string[]> {
  const segments = pathname.slice('/ipfs/'.length).split('/').filter(segment => segment !== '').map(decodeURIComponent)
  const root = CID.parse(segments.shift()!)
  const roots = [root.toString()]
  for (let index = 1; index <= segments.length; index++) {
    const path = segments.slice(0, index).join('/')
    const stat = await unixfs(helia).stat(root, { path, offline: true }).catch(() => undefined)
    if (stat === undefined) break
    roots.push(stat.cid.toString())
  }
  return roots
}

/** Sets a CAR answer's ETag and X-Ipfs-Roots; resolves true when `ifNoneMatch` names that ETag (a 304). */
export async function fixCarHeaders (helia: Node, url: URL, headers: Headers, ifNoneMatch = ''): Promise<boolean> {
  const roots = await rootsAlong(helia, url.pathname)
  const what = [url.pathname, headers.get('content-type'), url.searchParams.get('dag-scope'),
    url.searchParams.get('entity-bytes')]
  const variant = createHash('sha256').update(JSON.stringify(what)).digest('base64url').slice(0, 12)
  const etag = `W/"${roots.at(-1) ?? ''}.car.${variant}"`
  headers.set('etag', etag)
  headers.set('x-ipfs-roots', roots.join(','))
  return ifNoneMatch.split(',').map(tag => tag.trim()).includes(etag)
}
