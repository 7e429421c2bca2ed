// A private DHT of six nodes on test hosts: Helia servers (peers/ipfs/routing) and Kubo daemons, each knowing
// only the first Helia server. Clients on hosts of their own know only that one address and a CID or a peer
// ID; everything else comes from the DHT, both ways between Helia and Kubo.
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { createHost } from '../testing/netns.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { startClient, startDht, startHeliaServer } from './lab.ts'

afterEach(terminateAllProcesses)

test('on private addresses Kubo puts the js peers in its LAN DHT (/ipfs/lan/kad/1.0.0) ' +
  'and nobody in its WAN DHT; the js peers speak that protocol', async () => {
  const dht = await startDht()
  const jsPeers = [dht.bootstrap, ...dht.helia].map(server => server.ready.peerId)
  // Kubo adds peers to its tables as it meets and queries them: wait until every js server is in one
  const deadline = performance.now() + 30_000
  let stats = dht.kubo[0]!.ipfs(['stats', 'dht'])
  while (!jsPeers.every(peer => stats.includes(peer))) {
    expect(performance.now(), `not every js server in Kubo's tables within 30 s:\n${stats}`).toBeLessThan(deadline)
    await delay(500)
    stats = dht.kubo[0]!.ipfs(['stats', 'dht'])
  }
  expect(stats).toMatch(/^DHT wan \(0 peers\)/m)
  const lan = stats.slice(stats.indexOf('DHT lan'))
  for (const peer of jsPeers) expect(lan).toContain(peer)
  expect(lan).toMatch(/helia\/7\.\d+\.\d+ js-libp2p\/3/)
  const protocols = JSON.parse(dht.kubo[0]!.ipfs(['id', '--enc', 'json', dht.bootstrap.ready.peerId])) as {
    Protocols: string[]
  }
  expect(protocols.Protocols).toContain('/ipfs/lan/kad/1.0.0')
  expect(protocols.Protocols).not.toContain('/ipfs/kad/1.0.0')
})

test('Kubo adds a file (its own defaults: CIDv0, 256 KiB chunks); a Helia client given only the CID and the ' +
  'bootstrap address finds Kubo as provider and fetches the same bytes', async () => {
  const dht = await startDht()
  const kubo = dht.kubo[2]!
  const dir = await tempDir()
  const source = join(dir, 'from-kubo.bin')
  await writeFile(source, randomBytes(1024 * 1024 + 7))
  const cid = kubo.ipfs(['add', '-Q', source]).trim()
  expect(cid).toMatch(/^Qm/)
  const client = startClient(createHost('client'), ['get', cid, join(dir, 'fetched.bin')], { BOOTSTRAP: dht.BOOTSTRAP })
  await expectExit(client, 0)
  expect(client.stdout.find(line => line.startsWith('found provider '))).toContain(`found provider ${kubo.peerId} `)
  expect(client.stdout.join('\n')).toContain(`(connected to the provider …${kubo.peerId.slice(-6)})`)
  expect(Buffer.compare(await readFile(join(dir, 'fetched.bin')), await readFile(source))).toBe(0)
})

test('a Helia server provides a text; Kubo, given only the CID, ' +
  'finds it (routing findprovs) and fetches it (cat)', async () => {
  const dht = await startDht()
  const text = `provided by Helia at ${Date.now()}`
  const provider = await startHeliaServer('provider', { BOOTSTRAP: dht.BOOTSTRAP, PROVIDE_TEXT: text })
  const kubo = dht.kubo[1]!
  expect(kubo.ipfs(['routing', 'findprovs', '--num-providers', '1', provider.ready.cid!]).trim()).toBe(
    provider.ready.peerId
  )
  expect(kubo.ipfs(['cat', '--timeout', '30s', provider.ready.cid!])).toBe(text)
})

test("peer routing: a Helia client finds a Kubo node's addresses by " +
  "its peer ID alone, and Kubo finds a Helia server's", async () => {
  const dht = await startDht()
  const kubo = dht.kubo[1]!
  const client = startClient(createHost('client'), ['find-peer', kubo.peerId], { BOOTSTRAP: dht.BOOTSTRAP })
  await expectExit(client, 0)
  expect(client.stdout.join('\n')).toContain(`found peer ${kubo.peerId} after`)
  expect(client.stdout.join('\n')).toContain(`/ip4/${kubo.host.address}/tcp/4001`)
  const helia = dht.helia[1]!
  const found = dht.kubo[0]!.ipfs(['routing', 'findpeer', helia.ready.peerId])
  expect(found).toContain(`/ip4/${helia.host.address}/tcp/4001`)
})
