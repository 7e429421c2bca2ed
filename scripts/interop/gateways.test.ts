// Trustless gateways, both ways: the Helia client fetches and verifies a CAR from Kubo's gateway, and the
// Helia server's gateway answers the request forms Kubo's gateway answers (the trustless-gateway spec's raw
// and CAR responses, by ?format= and by Accept, with CAR parameters, HEAD, dag-scope=block, a bad CID),
// with the same bytes for the same CID.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { expectExitCode, terminateAllProcesses } from '../testing/processes.ts'
import { contentTree, runClient, startHeliaServer, startKubo } from './peers.ts'

afterEach(terminateAllProcesses)

test('the Helia client fetches a 10 MiB file and a directory from Kubo\'s gateway as CARs and verifies every block', async () => {
  const dir = await tempDir()
  const { root, bigFile } = await contentTree(dir)
  const kubo = await startKubo()
  for (const source of [bigFile, root]) {
    const added = await runClient('ipfs/kubo', ['add', source], { KUBO_API: kubo.ready.api })
    const cid = added.stdout.split('\n').at(-1)!
    const out = join(dir, `from-kubo-${cid.slice(-6)}`)
    const client = await runClient('ipfs/helia', ['get', cid, out], { GATEWAY_URL: kubo.ready.gateway })
    expectExitCode(client, 0)
    expect(client.stdout).toContain(`fetching ${cid} as a CAR from ${kubo.ready.gateway}`)
    expect(client.stdout).toMatch(/re-import gives the same CID ✓/)
    if (source === bigFile) expect((await readFile(out)).equals(await readFile(bigFile))).toBe(true)
  }
})

interface Answer { status: number, type: string, body: Buffer }

async function ask (gateway: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${gateway}${path}`, init)
  return { status: response.status, type: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), body: Buffer.from(await response.arrayBuffer()) }
}

async function carContents (bytes: Buffer): Promise<{ roots: string[], blocks: string[] }> {
  const car = await CarBlockIterator.fromBytes(bytes)
  const blocks: string[] = []
  for await (const block of car) blocks.push(`${block.cid} sha256:${createHash('sha256').update(block.bytes).digest('hex').slice(0, 16)}`)
  return { roots: (await car.getRoots()).map(String), blocks: blocks.sort() }
}

test('the Helia server\'s gateway answers Kubo-style trustless requests as Kubo\'s gateway does', async () => {
  const { root } = await contentTree(await tempDir(), 2 * 1024 * 1024)
  const helia = await startHeliaServer({ SERVE_PATH: root })
  const kubo = await startKubo()
  const added = await runClient('ipfs/kubo', ['add', root], { KUBO_API: kubo.ready.api })
  const cid = added.stdout.split('\n').at(-1)!
  expect(cid).toBe(helia.ready.cid) // same bytes, same import profile: same CID

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
    const [ours, theirs] = await Promise.all([ask(helia.ready.gateway, path, init), ask(kubo.ready.gateway, path, init)])
    expect(ours.status, `${what}: status`).toBe(theirs.status)
    if (theirs.status !== 200) continue
    expect(ours.type, `${what}: content type`).toBe(theirs.type)
    if (theirs.type === car) expect(await carContents(ours.body), `${what}: CAR`).toEqual(await carContents(theirs.body))
    else expect(ours.body.equals(theirs.body), `${what}: body`).toBe(true)
  }
})
