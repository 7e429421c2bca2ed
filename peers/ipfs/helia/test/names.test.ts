// IPNS records at /ipns/<name> (the Trustless Gateway spec's ?format=ipns-record and Accept:
// application/vnd.ipfs.ipns-record): the server publishes SERVE_PATH's root under its own name, the record
// it hands out passes the `ipns` package's validator for that name, points at the root, and a restart with
// other content raises the sequence number. Kubo accepting the same record is the interop tier's.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multihashToIPNSRoutingKey, unmarshalIPNSRecord } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { expect, test } from 'vitest'
import { nameOf, peerOfName } from '../src/names.ts'
import { serverConfig, startTestServer, tempDir } from './fixtures.ts'

const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'

async function servedDir (text: string): Promise<string> {
  const dir = join(await tempDir(), 'site')
  await mkdir(dir)
  await writeFile(join(dir, 'index.txt'), text)
  return dir
}

/** The record the gateway serves for `name`, checked by the validator against the name's routing key. */
async function verifiedRecord (gateway: string, name: string, init: RequestInit = {}, query = '?format=ipns-record') {
  const response = await fetch(`${gateway}${name}${query}`, init)
  expect(response.status).toBe(200)
  const bytes = new Uint8Array(await response.arrayBuffer())
  await ipnsValidator(multihashToIPNSRoutingKey(peerOfName(name.slice('/ipns/'.length))!.toMultihash()), bytes)
  return { response, record: unmarshalIPNSRecord(bytes) }
}

test('the server publishes SERVE_PATH\'s root under its name; the gateway serves the signed record, by ?format= ' +
  'and by Accept, with the spec\'s headers', async () => {
  const server = await startTestServer(await serverConfig({ SERVE_PATH: await servedDir('first\n') }))
  const name = server.ready.name!
  expect(name).toBe(`/ipns/${nameOf(server.helia.libp2p.peerId)}`)
  expect(name).toMatch(/^\/ipns\/k51\w+$/)
  const { response, record } = await verifiedRecord(server.ready.gateway, name)
  expect(record.value).toBe(`/ipfs/${server.ready.cid!}`)
  expect(record.sequence).toBe(0n)
  expect(record.ttl).toBe(3_600_000_000_000n)
  expect(Object.fromEntries(['content-type', 'cache-control', 'content-disposition'].map(header => [header,
    response.headers.get(header)]))).toEqual({
    'content-type': IPNS_RECORD,
    'cache-control': 'public, max-age=3600',
    'content-disposition': `attachment; filename="${name.slice('/ipns/'.length)}.ipns-record"`
  })
  // the same record by Accept, and under the peer ID's other spelling
  await verifiedRecord(server.ready.gateway, name, { headers: { Accept: IPNS_RECORD } }, '')
  const byPeerId = await fetch(`${server.ready.gateway}/ipns/${server.ready.peerId}?format=ipns-record`)
  expect(Buffer.from(await byPeerId.arrayBuffer()))
    .toEqual(Buffer.from(await (await fetch(`${server.ready.gateway}${name}?format=ipns-record`)).arrayBuffer()))
  const head = await fetch(`${server.ready.gateway}${name}?format=ipns-record`, { method: 'HEAD' })
  expect({
    status: head.status,
    type: head.headers.get('content-type'),
    body: (await head.arrayBuffer()).byteLength
  }).toEqual({ status: 200, type: IPNS_RECORD, body: 0 })
})

test('a restart with other content raises the sequence; the same content keeps it', async () => {
  const config = await serverConfig({ SERVE_PATH: await servedDir('first\n') })
  const first = await startTestServer(config)
  await first.stop()
  const second = await startTestServer({ ...config, servePath: await servedDir('second\n') })
  const { record } = await verifiedRecord(second.ready.gateway, second.ready.name!)
  expect({
    value: record.value,
    sequence: record.sequence
  }).toEqual({ value: `/ipfs/${second.ready.cid!}`, sequence: 1n })
  expect(second.ready.cid).not.toBe(first.ready.cid)
  await second.stop()
  const third = await startTestServer({ ...config, servePath: second.config.servePath })
  expect((await verifiedRecord(third.ready.gateway, third.ready.name!)).record.sequence).toBe(1n)
})

test('what /ipns/ does not serve: each with its status and one line of text', async () => {
  const server = await startTestServer(await serverConfig({ SERVE_PATH: await servedDir('first\n') }))
  const stranger = nameOf(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  const cases: Array<[string, string, number]> = [
    ['a name this node holds no record for', `/ipns/${stranger}?format=ipns-record`, 404],
    ['not a name', '/ipns/not-a-name?format=ipns-record', 400],
    ['no record asked for (a trustless gateway resolves nothing)', server.ready.name!, 406],
    ['a path under the name', `${server.ready.name!}/index.txt?format=ipns-record`, 406]
  ]
  for (const [what, path, status] of cases) {
    const response = await fetch(`${server.ready.gateway}${path}`)
    expect(response.status, what).toBe(status)
    expect(response.headers.get('content-type'), what).toBe('text/plain; charset=utf-8')
    expect((await response.text()).trim().split('\n'), what).toHaveLength(1)
  }
})
