// Trustless gateways, both ways: the Helia client fetches and verifies a CAR from Kubo's gateway (every file
// of the result compared), and the Helia server's gateway answers the request forms Kubo's gateway answers
// (the trustless-gateway spec's raw and CAR responses, by ?format= and by Accept, with CAR parameters, HEAD,
// dag-scope=block, a bad CID) with the same status, the same headers that define the answer, the same
// bytes, and a CAR's blocks in the same order where the order is dfs.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { afterEach, expect, test } from 'vitest'
import { connect } from '../../peers/ipfs/kubo/src/rpc.ts'
import { parseCid, parseMultiaddr } from '../../peers/ipfs/kubo/src/run/commands.ts'
import { tempDir } from '../testing/cleanup.ts'
import { expectExitCode, terminateAllProcesses } from '../testing/processes.ts'
import { addWithKubo, contentTree, readTree, runClient, startHeliaServer, startKubo } from './start-peers.ts'

afterEach(terminateAllProcesses)

test('the Helia client fetches a 10 MiB file and a directory ' +
  "from Kubo's gateway as CARs and verifies every block", async () => {
  const dir = await tempDir()
  const { root, bigFile } = await contentTree(dir)
  const kubo = await startKubo()
  for (const source of [bigFile, root]) {
    const cid = await addWithKubo(kubo, source)
    const out = join(dir, `from-kubo-${cid.slice(-6)}`)
    const client = await runClient('ipfs/helia', ['get', cid, out], { GATEWAY_URL: kubo.ready.gateway })
    expectExitCode(client, 0)
    expect(client.stdout).toContain(`fetching ${cid} as a CAR from ${kubo.ready.gateway}`)
    expect(client.stdout).toMatch(/every block checked against its CID ✓/)
    expect(await readTree(out)).toEqual(await readTree(source)) // every file's bytes, the file's and the directory's
  }
})

interface Answer { status: number, headers: Record<string, string | null>, body: Buffer }

/**
 * The headers a trustless gateway's answer is defined by (the spec's; Date, Server and the like are the
 * server's own). Of the ETag, its strength and the CID it names (the spec leaves a CAR's ETag to each
 * gateway); of Content-Disposition, the disposition and the file name.
 */
const HEADERS = [
  'content-type', 'content-length', 'cache-control', 'x-content-type-options', 'x-ipfs-roots', 'vary', 'accept-ranges'
]

async function ask (gateway: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${gateway}${path}`, init)
  const headers = Object.fromEntries(HEADERS.map(name => [name, response.headers.get(name)]))
  headers.etag = response.headers.get('etag')?.replace(/^(W\/)?"([^".]+).*"$/, '$1"$2…"') ?? null
  headers['content-disposition'] = response.headers.get('content-disposition')?.replace(/; filename\*=.*$/, '') ?? null
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) }
}

/** A CAR's roots and blocks (CID and a digest of the bytes), in the order they came. */
async function carContents (bytes: Buffer): Promise<{ roots: string[], blocks: string[] }> {
  const car = await CarBlockIterator.fromBytes(bytes)
  const blocks: string[] = []
  for await (const block of car) {
    blocks.push(`${block.cid} sha256:${createHash('sha256').update(block.bytes).digest('hex').slice(0, 16)}`)
  }
  return { roots: (await car.getRoots()).map(String), blocks }
}

test('the Helia server\'s gateway answers Kubo-style trustless requests as Kubo\'s gateway does', async () => {
  const { root } = await contentTree(await tempDir(), 2 * 1024 * 1024)
  const helia = await startHeliaServer({ SERVE_PATH: root })
  const kubo = await startKubo()
  // the same DAG on both sides: Kubo fetches and pins what the Helia server holds
  const cid = helia.ready.cid!
  const rpc = await connect({ api: kubo.ready.api, timeoutMs: 60_000 })
  await rpc.swarm.connect(parseMultiaddr(helia.ready.multiaddrs[0]!))
  await rpc.pin.add(parseCid(cid, 'the served CID'), { signal: AbortSignal.timeout(60_000) })

  const raw = 'application/vnd.ipld.raw'
  const car = 'application/vnd.ipld.car'
  const requests: Array<[string, string, RequestInit?]> = [
    ['raw by ?format', `/ipfs/${cid}?format=raw`],
    ['raw by Accept', `/ipfs/${cid}`, { headers: { Accept: raw } }],
    ['CAR by ?format', `/ipfs/${cid}?format=car`],
    ['CAR by Accept with parameters', `/ipfs/${cid}`, { headers: { Accept: `${car}; version=1; order=dfs; dups=y` } }],
    ['CAR of the root block only', `/ipfs/${cid}?format=car&dag-scope=block`],
    ['HEAD raw', `/ipfs/${cid}?format=raw`, { method: 'HEAD' }],
    ['a malformed CID', '/ipfs/not-a-cid?format=raw']
  ]
  for (const [what, path, init] of requests) {
    const [ours, theirs] = await Promise.all([
      ask(helia.ready.gateway, path, init),
      ask(kubo.ready.gateway, path, init)
    ])
    expect(ours.status, `${what}: status`).toBe(theirs.status)
    if (theirs.status !== 200) {
      // an error: the same status, as text, with a reason (the wording is each server's own)
      expect(ours.headers['content-type'], `${what}: content type`).toBe(theirs.headers['content-type'])
      expect(ours.body.byteLength, `${what}: a reason`).toBeGreaterThan(0)
      continue
    }
    const type = theirs.headers['content-type'] ?? ''
    // a CAR is streamed: whether its length is sent ahead is each server's framing (the bytes are compared below)
    if (type.startsWith(car)) for (const answer of [ours, theirs]) delete answer.headers['content-length']
    expect(ours.headers, `${what}: headers`).toEqual(theirs.headers)
    // the blocks in the order the answer says it sends them (order=dfs), else as a set
    if (type.startsWith(car)) {
      const [mine, kubos] = [await carContents(ours.body), await carContents(theirs.body)]
      if (!/order=dfs/.test(type)) for (const contents of [mine, kubos]) contents.blocks.sort()
      expect(mine, `${what}: CAR`).toEqual(kubos)
    } else expect(ours.body.equals(theirs.body), `${what}: body`).toBe(true)
  }
})

test("Kubo checks the Helia server's IPNS record as it is: valid for the name, pointing at the served root; one " +
  'altered byte and Kubo says why it is not', async () => {
  const { root } = await contentTree(await tempDir(), 64 * 1024)
  const helia = await startHeliaServer({ SERVE_PATH: root })
  const kubo = await startKubo()
  const name = helia.ready.name!
  const record = Buffer.from(await (await fetch(`${helia.ready.gateway}${name}?format=ipns-record`)).arrayBuffer())
  // ipfs name inspect --verify <name>: Kubo's own decoding and signature check of a record given to it
  const inspect = async (
    bytes: Buffer
  ): Promise<{ Entry: Record<string, unknown>, Validation: { Valid: boolean, Reason: string } }> => {
    const form = new FormData()
    form.append('file', new Blob([bytes]), 'record')
    const response = await fetch(
      `${kubo.ready.api}/api/v0/name/inspect?${new URLSearchParams({ verify: name.slice('/ipns/'.length) })}`,
      { method: 'POST', body: form }
    )
    expect(response.status, await response.clone().text()).toBe(200)
    return await response.json() as { Entry: Record<string, unknown>, Validation: { Valid: boolean, Reason: string } }
  }
  const checked = await inspect(record)
  expect(checked.Validation).toMatchObject({ Valid: true, Reason: '' })
  expect(checked.Entry).toMatchObject({ Value: `/ipfs/${helia.ready.cid!}`, Sequence: 0, ValidityType: 0 })
  const forged = Buffer.from(record)
  forged[forged.length - 10]! ^= 0xff
  const refused = await inspect(forged)
  expect(refused.Validation.Valid).toBe(false)
  expect(refused.Validation.Reason).not.toBe('')
})
