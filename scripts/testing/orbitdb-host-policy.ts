// Who may ask an OrbitDB example's server for work, written once for both majors and run against each one's real
// server (its test/hosting.test.ts passes its modules, orbitdb-example.ts): every request it must refuse is refused
// with its own error (counted in /metrics), leaves nothing stored or listed, and a writer is still served after.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import {
  livePeers, type CidLike, type HostRequest, type NodeLike, type Note, type NotesDatabase, type OrbitDBExample,
  type OrbitDBLike, type ServerConfigLike, type ServerLike, type StreamLike
} from './orbitdb-example.ts'
import { sampleValue, scrapeMetrics } from './prometheus.ts'

const note = (id: string, text = id): Note => ({ _id: id, author: 'test', text, writtenAt: new Date().toISOString() })
const entryBytes = async (db: NotesDatabase, hash: string): Promise<Uint8Array> => (await db.log.storage.get(hash))!
const NO_WRITER = 'none of its writers is one this server hosts for (HOST_WRITERS)'
/** An `await` request. */
const awaiting = (address: string, heads: string[], timeoutMs: number): HostRequest =>
  ({ op: 'await', address, heads, timeoutMs })
/** How many requests the server refused for `reason`, from its /metrics. */
const refusals = async (server: { ready: { metrics?: string } }, reason: string): Promise<number | undefined> =>
  sampleValue(await scrapeMetrics(server.ready.metrics!), 'liftoff_host_refusals_total', `{reason="${reason}"}`)

export function hostPolicyTests<
  Node extends NodeLike<Peer, Address, Cid, Stream>, Orbit extends OrbitDBLike<Db>, Db extends NotesDatabase,
  Server extends ServerLike<Cid>, Config extends ServerConfigLike, Peer, Address, Cid extends CidLike,
  Stream extends StreamLike
> (example: OrbitDBExample<Node, Orbit, Db, Server, Config, Peer, Address, Cid, Stream>): void {
  const { runAs, serverConfig, startTestServer, writer } = example.fixtures
  const { Entry, parseCid } = example
  const { node, connected, peer } = livePeers(example)
  const stored = async (server: Server, hash: string): Promise<boolean> =>
    server.helia.blockstore.has(parseCid(hash))
  /**
   * The server's own database, opened by a peer with OrbitDB's sync off: what it writes reaches the server only if
   * pushed.
   */
  const unsynced = async (who: { orbitdb: Orbit }, server: Server): Promise<Db> =>
    who.orbitdb.open(server.ready.address, { sync: false })

  /** alice may write (WRITERS), the server counts its refusals (/metrics), eve is a stranger connected to it. */
  const aliceServerAndEve = async () => {
    const alice = await writer('alice')
    const config = await serverConfig({ WRITERS: alice.identityId, METRICS_LISTEN: '127.0.0.1:0' })
    const server = await startTestServer(config)
    return { alice, config, server, eve: await peer('eve', server) }
  }

  test('a stranger asking to host its own database is refused: nothing opened, fetched or listed in hosted.json, ' +
    'nothing reopened after a restart', async () => {
    const { alice, config, server, eve } = await aliceServerAndEve()
    const diary = await example.createDocuments(eve, 'eve-diary', [])
    await diary.put(note('day-1'))

    const notHosted = `${diary.address} is not hosted here: ${NO_WRITER}`
    await expect(eve.ask({ op: 'host', address: diary.address }))
      .rejects.toThrow(`server refused host of ${diary.address}: ${notHosted}`)
    expect(server.databases.has(diary.address)).toBe(false)
    // the manifest it read to decide is deleted again
    expect(await stored(server, diary.address.replace('/orbitdb/', ''))).toBe(false)
    await expect(readFile(join(config.dataDir, 'hosted.json'), 'utf8')).rejects.toThrow(/ENOENT/)
    // nor may it await heads there: not hosted
    await expect(eve.ask(awaiting(diary.address, [], 5000)))
      .rejects.toThrow(`${diary.address} is not hosted here: ask with {"op":"host"} first`)

    const metrics = await scrapeMetrics(server.ready.metrics!)
    expect(sampleValue(metrics, 'liftoff_host_refusals_total', '{reason="not-allowed"}')).toBe(1)
    expect(sampleValue(metrics, 'liftoff_host_refusals_total', '{reason="not-hosted"}')).toBe(1)
    expect(metrics).not.toContain(diary.address)

    // a writer the operator lists is served, and hosting for it survives a restart
    const aliceNode = await peer('alice', server, alice.key)
    const journal = await example.createDocuments(aliceNode, 'alice-journal', [])
    await journal.put(note('page-1'))
    expect((await aliceNode.ask({ op: 'host', address: journal.address })).address).toBe(journal.address)
    expect((await runAs(alice, server, { WRITES: '1' })).serverEntries).toBe(1)
    await server.stop()
    const restarted = await startTestServer(config)
    expect([...restarted.databases.keys()].sort()).toEqual([journal.address, restarted.ready.address].sort())
  })

  test('a database hosted before is not reopened once the operator no longer allows it ' +
    '(hosted.json is checked at every start)', async () => {
    const config = await serverConfig({ HOST_WRITERS: '*' }) // hosts for anyone: the old behaviour
    const server = await startTestServer(config)
    const eve = await peer('eve', server)
    const diary = await example.createDocuments(eve, 'eve-diary', [])
    expect((await eve.ask({ op: 'host', address: diary.address })).address).toBe(diary.address)
    expect(JSON.parse(await readFile(join(config.dataDir, 'hosted.json'), 'utf8')))
      .toEqual([{ address: diary.address, askedBy: eve.helia.libp2p.peerId.toString() }])
    await server.stop()

    const restarted = await startTestServer({ ...config, hosting: { ...config.hosting, writers: [] } })
    expect([...restarted.databases.keys()]).toEqual([restarted.ready.address])
    const notHosted = `${diary.address} is not hosted here: ${NO_WRITER}`
    expect(restarted.log).toContain(`not reopening ${diary.address}: ${notHosted}`)
  })

  test('hosting stops at MAX_HOSTED_DATABASES; HOST_PEERS lets a listed peer host whatever the writers', async () => {
    const alice = await writer('alice')
    const server = await startTestServer(await serverConfig({
      WRITERS: alice.identityId, MAX_HOSTED_DATABASES: '1', METRICS_LISTEN: '127.0.0.1:0'
    }))
    const aliceNode = await peer('alice', server, alice.key)
    const first = await example.createDocuments(aliceNode, 'first', [])
    const second = await example.createDocuments(aliceNode, 'second', [])
    expect((await aliceNode.ask({ op: 'host', address: first.address })).address).toBe(first.address)
    await expect(aliceNode.ask({ op: 'host', address: second.address })).rejects
      .toThrow(`${second.address} is not hosted here: this server hosts 1 databases already, ` +
        'its most (MAX_HOSTED_DATABASES)')
    expect(server.databases.has(second.address)).toBe(false)
    expect(await refusals(server, 'hosting-cap')).toBe(1)
    // what is hosted already is still answered
    expect((await aliceNode.ask({ op: 'host', address: first.address })).address).toBe(first.address)

    // a peer the operator lists hosts its own database; the same database from another peer would be refused
    const listedNode = await node('listed')
    const trusted = await startTestServer(await serverConfig({ HOST_PEERS: listedNode.helia.libp2p.peerId.toString() }))
    const listed = await connected(listedNode, trusted)
    const own = await example.createDocuments(listed, 'own', [])
    const other = await peer('other', trusted)
    await expect(other.ask({ op: 'host', address: own.address }))
      .rejects.toThrow(/none of its writers is one this server hosts for/)
    expect((await listed.ask({ op: 'host', address: own.address })).address).toBe(own.address)
    expect(trusted.databases.has(own.address)).toBe(true)
  })

  test('an await flood from one peer is refused beyond MAX_REQUESTS_PER_PEER, and a writer is still ' +
    'served', async () => {
    const alice = await writer('alice')
    const server = await startTestServer(await serverConfig({
      WRITERS: alice.identityId, MAX_REQUESTS_PER_PEER: '2', METRICS_LISTEN: '127.0.0.1:0'
    }))
    const eve = await peer('eve', server)
    // two awaits that announce a pushed block and never send it: each holds its place until its deadline
    const held = await Promise.all([1, 2].map(async () => {
      const stream = await eve.helia.libp2p.dialProtocol(eve.serverPeer, example.replication.HOST_PROTOCOL)
      const frames = example.lpStream(stream)
      const request = { ...awaiting(server.ready.address, [], 60_000), blocks: 1 }
      await frames.write(new TextEncoder().encode(JSON.stringify(request)))
      return stream
    }))
    await expect(eve.ask(awaiting(server.ready.address, [], 5000)))
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
    await expect(eve.ask(awaiting(server.ready.address, [], 5000), [junk(10), junk(10), junk(10), junk(10)]))
      .rejects.toThrow('the request pushes 4 blocks, more than the 3 this server takes (MAX_PUSH_BLOCKS)')
    await expect(eve.ask(awaiting(server.ready.address, [], 5000), [junk(60_000), junk(60_000)]))
      .rejects.toThrow('the pushed blocks exceed the 100000 bytes this server takes (MAX_PUSH_BYTES)')
    expect(await refusals(server, 'push-too-large')).toBe(2)
    expect((await runAs(alice, server, { WRITES: '2' })).serverEntries).toBe(2)
  })

  test('a pushed block whose bytes are not the block of the head it is offered for is refused and not stored',
    async () => {
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
      expect((await aliceNode.ask(awaiting(db.address, [head], 20_000), [bytes])).entries).toBe(1)
    })

  test('an entry by a non-writer pushed with an await is refused before it is stored; so is one in a writer\'s name ' +
    'signed with another key', async () => {
    const { alice, server, eve } = await aliceServerAndEve()
    const db = await unsynced(eve, server)
    db.access.canAppend = async () => true // eve's own check waved through, to make the entry at all
    const forged = await db.put(note('forged'))
    await expect(eve.ask(awaiting(db.address, [forged], 10_000), [await entryBytes(db, forged)]))
      .rejects.toThrow(`pushed entry ${forged} is not signed by a writer of ${db.address}`)
    expect(await stored(server, forged)).toBe(false)

    // alice's real identity (its block is public: every entry of hers names it), eve's key and signature
    const aliceNode = await peer('alice', server, alice.key)
    const honest = await unsynced(aliceNode, server)
    const genuine = await honest.put(note('genuine'))
    const pushed = [await entryBytes(honest, genuine)]
    expect((await aliceNode.ask(awaiting(honest.address, [genuine], 20_000), pushed)).entries).toBe(1)
    // the signature covers the entry's content, not the identity it names: eve's entry, renamed
    const aliceIdentity = (await honest.log.get(genuine))!.identity
    const { hash: _hash, bytes: _bytes, ...fields } = (await db.log.get(forged))!
    const inHerName = await Entry.encode({ ...fields, identity: aliceIdentity })
    expect((await Entry.decode(inHerName.bytes)).identity).toBe(aliceIdentity)
    await expect(eve.ask(awaiting(db.address, [inHerName.hash], 10_000), [inHerName.bytes]))
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
    for await (const unpinned of aliceNode.helia.pins.rm(parseCid(first))) {
      expect(unpinned.toString()).toBe(parseCid(first).toString())
    }
    await aliceNode.helia.deleteQuietly(parseCid(first))
    await expect(aliceNode.ask(awaiting(db.address, [second], 3000), [await entryBytes(db, second)]))
      .rejects.toThrow(/did not all arrive in time/)
    expect(await stored(server, second)).toBe(false)
    expect(await server.db.log.has(second)).toBe(false)
  })
}
