// Who may ask the server for work, against a real server on loopback: a stranger asking to host, hosting
// beyond MAX_HOSTED_DATABASES, a flood of awaits from one peer, pushes over MAX_PUSH_BLOCKS / MAX_PUSH_BYTES,
// a pushed block that is not the block it is offered as, an entry signed by a non-writer (or in a writer's
// name with another key), a head the server would have to fetch before knowing who wrote it, and pushed blocks
// no join took. Each is refused with its own error (counted in /metrics), leaves nothing in the blockstore or
// hosted.json, and a writer is served normally afterwards.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Entry, type DocumentsDatabase } from '@orbitdb/core'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { lpStream } from '@libp2p/utils'
import { expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import { dialWithRetry, parseServerAddress } from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { createDocuments, startOrbitDB, type Note } from '../src/orbitdb.ts'
import { askServer, HOST_PROTOCOL, type HostRequest } from '../src/replication.ts'
import { runAs, serverConfig, startTestServer, tempDir, writer, type TestServer } from './fixtures.ts'

const NOT_FOR_WRITERS = 'none of its writers is one this server hosts for (HOST_WRITERS)'

/** How many hosting requests `server` refused for `reason`, from its /metrics. */
async function refusals (server: TestServer, reason: string): Promise<number | undefined> {
  return sampleValue(await scrapeMetrics(server.ready.metrics!), 'liftoff_host_refusals_total', `{reason="${reason}"}`)
}

/** A live peer with its own OrbitDB (identity from `identityKey`, or a fresh one). */
async function node (name: string, identityKey?: string) {
  const dataDir = await tempDir(`liftoff-orbitdb-${name}-`)
  const helia = await createNode({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
  onCleanup(`${name} helia stop()`, () => helia.stop())
  const orbitdb = await startOrbitDB(helia, { dataDir, identityKey })
  onCleanup(`${name} orbitdb stop()`, () => orbitdb.stop())
  return { helia, orbitdb }
}

/** `who`, connected to `server`, asking it over the hosting protocol. */
async function connected (who: Awaited<ReturnType<typeof node>>, server: TestServer) {
  const address = parseServerAddress(server.ready.multiaddrs[0]!)
  const { connection } = await dialWithRetry(who.helia.libp2p, address, { deadlineMs: 10_000 })
  const ask = async (request: HostRequest, blocks: Uint8Array[] = [], timeoutMs = 20_000) => {
    return askServer(who.helia, connection.remotePeer, request, AbortSignal.timeout(timeoutMs), blocks)
  }
  return { ...who, ask, serverPeer: connection.remotePeer }
}

async function peer (name: string, server: TestServer, identityKey?: string) {
  return connected(await node(name, identityKey), server)
}

const note = (id: string, text = id): Note => ({ _id: id, author: 'test', text, writtenAt: new Date().toISOString() })
const cidOf = (hash: string): CID => CID.parse(hash, base58btc)
const stored = async (server: TestServer, hash: string): Promise<boolean> => server.helia.blockstore.has(cidOf(hash))
const entryBytes = async (db: DocumentsDatabase<Note>, hash: string): Promise<Uint8Array> => {
  return (await db.log.storage.get(hash))!
}

/** The server's own database, opened by a peer with OrbitDB's sync off: its writes reach the server only if pushed. */
async function unsynced (who: Awaited<ReturnType<typeof peer>>, server: TestServer): Promise<DocumentsDatabase<Note>> {
  return who.orbitdb.open<Note>(server.ready.address, { sync: false })
}

test('a stranger asking to host its own database is refused: nothing opened, fetched or listed in hosted.json, ' +
  'nothing reopened after a restart', async () => {
  const alice = await writer('alice')
  const config = await serverConfig({ WRITERS: alice.identityId, METRICS_LISTEN: '127.0.0.1:0' })
  const server = await startTestServer(config)
  const eve = await peer('eve', server)
  const diary = await createDocuments<Note>(eve.orbitdb, 'eve-diary', [])
  await diary.put(note('day-1'))

  await expect(eve.ask({ op: 'host', address: diary.address }))
    .rejects.toThrow(`server refused host of ${diary.address}: ${diary.address} is not hosted here: ${NOT_FOR_WRITERS}`)
  expect(server.databases.has(diary.address)).toBe(false)
  // the manifest it read to decide is deleted again
  expect(await stored(server, diary.address.replace('/orbitdb/', ''))).toBe(false)
  await expect(readFile(join(config.dataDir, 'hosted.json'), 'utf8')).rejects.toThrow(/ENOENT/)
  // nor may it await heads there: not hosted
  await expect(eve.ask({ op: 'await', address: diary.address, heads: [], timeoutMs: 5000 }))
    .rejects.toThrow(`${diary.address} is not hosted here: ask with {"op":"host"} first`)

  const metrics = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(metrics, 'liftoff_host_refusals_total', '{reason="not-allowed"}')).toBe(1)
  expect(sampleValue(metrics, 'liftoff_host_refusals_total', '{reason="not-hosted"}')).toBe(1)
  expect(metrics).not.toContain(diary.address)

  // a writer the operator lists is served, and hosting for it survives a restart
  const aliceNode = await peer('alice', server, alice.key)
  const journal = await createDocuments<Note>(aliceNode.orbitdb, 'alice-journal', [])
  await journal.put(note('page-1'))
  expect((await aliceNode.ask({ op: 'host', address: journal.address })).address).toBe(journal.address)
  expect((await runAs(alice, server, { WRITES: '1' })).serverEntries).toBe(1)
  await server.stop()
  const restarted = await startTestServer(config)
  expect([...restarted.databases.keys()].sort()).toEqual([journal.address, restarted.ready.address].sort())
})

test('a database hosted before is not reopened once the operator no longer allows it (hosted.json is checked at ' +
  'every start)', async () => {
  const config = await serverConfig({ HOST_WRITERS: '*' }) // hosts for anyone: the old behaviour
  const server = await startTestServer(config)
  const eve = await peer('eve', server)
  const diary = await createDocuments<Note>(eve.orbitdb, 'eve-diary', [])
  expect((await eve.ask({ op: 'host', address: diary.address })).address).toBe(diary.address)
  const hostedList: unknown = JSON.parse(await readFile(join(config.dataDir, 'hosted.json'), 'utf8'))
  expect(hostedList).toEqual([{ address: diary.address, askedBy: eve.helia.libp2p.peerId.toString() }])
  await server.stop()

  const restarted = await startTestServer({ ...config, hosting: { ...config.hosting, writers: [] } })
  expect([...restarted.databases.keys()]).toEqual([restarted.ready.address])
  const why = 'none of its writers is one this server hosts for (HOST_WRITERS)'
  expect(restarted.log).toContain(`not reopening ${diary.address}: ${diary.address} is not hosted here: ${why}`)
})

test('hosting stops at MAX_HOSTED_DATABASES; HOST_PEERS lets a listed peer host whatever the writers', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({
    WRITERS: alice.identityId, MAX_HOSTED_DATABASES: '1', METRICS_LISTEN: '127.0.0.1:0'
  }))
  const aliceNode = await peer('alice', server, alice.key)
  const first = await createDocuments<Note>(aliceNode.orbitdb, 'first', [])
  const second = await createDocuments<Note>(aliceNode.orbitdb, 'second', [])
  expect((await aliceNode.ask({ op: 'host', address: first.address })).address).toBe(first.address)
  await expect(aliceNode.ask({ op: 'host', address: second.address }))
    .rejects.toThrow(`${second.address} is not hosted here: this server hosts 1 databases already, its most ` +
      '(MAX_HOSTED_DATABASES)')
  expect(server.databases.has(second.address)).toBe(false)
  expect(await refusals(server, 'hosting-cap')).toBe(1)
  // what is hosted already is still answered
  expect((await aliceNode.ask({ op: 'host', address: first.address })).address).toBe(first.address)

  // a peer the operator lists hosts its own database; the same database from another peer would be refused
  const listedNode = await node('listed')
  const trusted = await startTestServer(await serverConfig({ HOST_PEERS: listedNode.helia.libp2p.peerId.toString() }))
  const listed = await connected(listedNode, trusted)
  const own = await createDocuments<Note>(listed.orbitdb, 'own', [])
  const other = await peer('other', trusted)
  await expect(other.ask({ op: 'host', address: own.address }))
    .rejects.toThrow(/none of its writers is one this server hosts for/)
  expect((await listed.ask({ op: 'host', address: own.address })).address).toBe(own.address)
  expect(trusted.databases.has(own.address)).toBe(true)
})

test('an await flood from one peer is refused beyond MAX_REQUESTS_PER_PEER, and a writer is still served', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({
    WRITERS: alice.identityId, MAX_REQUESTS_PER_PEER: '2', METRICS_LISTEN: '127.0.0.1:0'
  }))
  const eve = await peer('eve', server)
  // two awaits that announce a pushed block and never send it: each holds its place until its deadline
  const held = await Promise.all([1, 2].map(async () => {
    const stream = await eve.helia.libp2p.dialProtocol(eve.serverPeer, HOST_PROTOCOL)
    const frames = lpStream(stream)
    const request = { op: 'await', address: server.ready.address, heads: [], timeoutMs: 60_000, blocks: 1 }
    await frames.write(new TextEncoder().encode(JSON.stringify(request)))
    return stream
  }))
  await expect(eve.ask({ op: 'await', address: server.ready.address, heads: [], timeoutMs: 5000 }))
    .rejects.toThrow('this peer has 2 requests open already, the most one peer may (MAX_REQUESTS_PER_PEER)')
  expect(await refusals(server, 'busy')).toBe(1)
  expect((await runAs(alice, server, { WRITES: '3' })).serverEntries).toBe(3)
  for (const stream of held) stream.abort(new Error('done holding'))
})

test('pushes over MAX_PUSH_BLOCKS or MAX_PUSH_BYTES are refused before anything is checked or stored', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({
    WRITERS: alice.identityId, MAX_PUSH_BLOCKS: '3', MAX_PUSH_BYTES: '100000', METRICS_LISTEN: '127.0.0.1:0'
  }))
  const eve = await peer('eve', server)
  const junk = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(7)
  const empty: HostRequest = { op: 'await', address: server.ready.address, heads: [], timeoutMs: 5000 }
  await expect(eve.ask(empty, [junk(10), junk(10), junk(10), junk(10)]))
    .rejects.toThrow('the request pushes 4 blocks, more than the 3 this server takes (MAX_PUSH_BLOCKS)')
  await expect(eve.ask(empty, [junk(60_000), junk(60_000)]))
    .rejects.toThrow('the pushed blocks exceed the 100000 bytes this server takes (MAX_PUSH_BYTES)')
  expect(await refusals(server, 'push-too-large')).toBe(2)
  expect((await runAs(alice, server, { WRITES: '2' })).serverEntries).toBe(2)
})

test('a pushed block whose bytes are not the block of the head it is offered for is refused and not ' +
  'stored', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({ WRITERS: alice.identityId }))
  const aliceNode = await peer('alice', server, alice.key)
  const db = await unsynced(aliceNode, server)
  const head = await db.put(note('tamper-me', 'tamper-me'))
  const bytes = Buffer.from(await entryBytes(db, head))
  const at = bytes.indexOf('tamper-me')
  expect(at).toBeGreaterThan(0)
  const tampered = Buffer.from(bytes)
  tampered[at] = 'T'.charCodeAt(0)
  const tamperedHash = (await Entry.decode(tampered)).hash
  expect(tamperedHash).not.toBe(head)

  await expect(aliceNode.ask({ op: 'await', address: db.address, heads: [head], timeoutMs: 10_000 }, [tampered]))
    .rejects.toThrow(`pushed block ${tamperedHash} is not the block of an awaited head nor of an entry behind one`)
  expect(await stored(server, tamperedHash)).toBe(false)
  expect(await stored(server, head)).toBe(false)
  // the genuine block is taken
  const confirmed = await aliceNode.ask({ op: 'await', address: db.address, heads: [head], timeoutMs: 20_000 }, [bytes])
  expect(confirmed.entries).toBe(1)
})

test('an entry by a non-writer pushed with an await is refused before it is stored; so is one in a writer\'s name ' +
  'signed with another key', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({ WRITERS: alice.identityId, METRICS_LISTEN: '127.0.0.1:0' }))
  const eve = await peer('eve', server)
  const db = await unsynced(eve, server)
  db.access.canAppend = async () => true // eve's own check waved through, to make the entry at all
  const forged = await db.put(note('forged'))
  const forgedBytes = await entryBytes(db, forged)
  await expect(eve.ask({ op: 'await', address: db.address, heads: [forged], timeoutMs: 10_000 }, [forgedBytes]))
    .rejects.toThrow(`pushed entry ${forged} is not signed by a writer of ${db.address}`)
  expect(await stored(server, forged)).toBe(false)

  // alice's real identity (its block is public: every entry of hers names it), eve's key and signature
  const aliceNode = await peer('alice', server, alice.key)
  const honest = await unsynced(aliceNode, server)
  const genuine = await honest.put(note('genuine'))
  const request: HostRequest = { op: 'await', address: honest.address, heads: [genuine], timeoutMs: 20_000 }
  expect((await aliceNode.ask(request, [await entryBytes(honest, genuine)])).entries).toBe(1)
  // the signature covers the entry's content, not the identity it names: eve's entry, renamed
  const aliceIdentity = (await honest.log.get(genuine))!.identity
  const { hash: _hash, bytes: _bytes, ...fields } = (await db.log.get(forged))!
  const inHerName = await Entry.encode({ ...fields, identity: aliceIdentity })
  expect((await Entry.decode(inHerName.bytes)).identity).toBe(aliceIdentity)
  const request2: HostRequest = { op: 'await', address: db.address, heads: [inHerName.hash], timeoutMs: 10_000 }
  await expect(eve.ask(request2, [inHerName.bytes]))
    .rejects.toThrow(`pushed entry ${inHerName.hash} is not signed by a writer of ${db.address}`)
  expect(await stored(server, inHerName.hash)).toBe(false)
  expect((await server.db.all()).map(document => document.key)).toEqual(['genuine'])
  expect(await refusals(server, 'not-a-writer')).toBe(2)
  expect((await runAs(alice, server, { WRITES: '1' })).serverEntries).toBe(2)
})

test('a head neither held nor pushed is refused before the server fetches it from the asker', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({ WRITERS: alice.identityId }))
  const eve = await peer('eve', server)
  const db = await unsynced(eve, server)
  db.access.canAppend = async () => true
  const unknown = await db.put(note('fetch-me'))
  await expect(eve.ask({ op: 'await', address: db.address, heads: [unknown], timeoutMs: 10_000 }))
    .rejects.toThrow(`head ${unknown} is neither held here nor pushed with the request`)
  expect(await stored(server, unknown)).toBe(false)
  expect((await runAs(alice, server, { WRITES: '1' })).serverEntries).toBe(1)
})

test('pushed blocks of a writer that no join took are deleted again', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({ WRITERS: alice.identityId }))
  const aliceNode = await peer('alice', server, alice.key)
  const db = await unsynced(aliceNode, server)
  const first = await db.put(note('first'))
  const second = await db.put(note('second'))
  // the entry behind the pushed head is nowhere to be had: the join cannot complete
  for await (const unpinned of aliceNode.helia.pins.rm(cidOf(first))) {
    expect(unpinned.toString()).toBe(cidOf(first).toString())
  }
  await aliceNode.helia.deleteQuietly(cidOf(first))
  const secondBytes = await entryBytes(db, second)
  await expect(aliceNode.ask({ op: 'await', address: db.address, heads: [second], timeoutMs: 3000 }, [secondBytes]))
    .rejects.toThrow(/did not all arrive in time/)
  expect(await stored(server, second)).toBe(false)
  expect(await server.db.log.has(second)).toBe(false)
})
