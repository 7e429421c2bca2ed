// Helia and Kubo exchange content both ways over bitswap, over TCP and over WebSockets. Kubo imports by its
// own defaults; where Kubo is asked for the `unixfs-v1-2025` profile (the Kubo example's IMPORT_PROFILE), it
// must give the same bytes the CIDs Helia's defaults give them.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { add, cat, connect, ls } from '../../peers/ipfs/kubo/src/rpc.ts'
import { parseCid, parseMultiaddr } from '../../peers/ipfs/kubo/src/run/commands.ts'
import { tempDir } from '../testing/cleanup.ts'
import { expectExitCode, terminateAllProcesses } from '../testing/processes.ts'
import { addWithKubo, contentTree, readTree, runClient, startHeliaServer, startKubo } from './start-peers.ts'

afterEach(terminateAllProcesses)

const quiet = (): void => {}

test('Kubo fetches a 10 MiB file and a directory from our Helia server, over TCP and over WebSockets', async () => {
  const { root, bigFile } = await contentTree(await tempDir())
  const helia = await startHeliaServer({ SERVE_PATH: root })
  const treeCid = parseCid(helia.ready.cid, 'the served CID')
  for (const address of helia.ready.multiaddrs) {
    // a fresh Kubo per transport: nothing cached, no connection reused
    const kubo = await startKubo({ IMPORT_PROFILE: 'unixfs-v1-2025' })
    const rpc = await connect({ api: kubo.ready.api, timeoutMs: 60_000 })
    await rpc.swarm.connect(parseMultiaddr(address))
    const peers = await rpc.swarm.peers()
    expect(peers.map(peer => `${peer.addr.toString()}/p2p/${peer.peer.toString()}`)).toContain(address)
    await rpc.pin.add(treeCid, { signal: AbortSignal.timeout(120_000) }) // the whole DAG, over bitswap from Helia
    const entries = await ls(rpc, treeCid)
    expect(entries.map(entry => entry.name)).toEqual(['README.txt', 'big.bin', 'docs', 'empty.txt'])
    const big = entries.find(entry => entry.name === 'big.bin')!
    expect(Buffer.from(await cat(rpc, parseCid(big.cid, 'big.bin'))).equals(await readFile(bigFile))).toBe(true)
    // Kubo importing the same bytes itself with that profile arrives at the same CID Helia gave them
    expect((await add(rpc, root, quiet)).toString()).toBe(treeCid.toString())
    expect(helia.role.stdout.some(line => line.startsWith(`connection from ${kubo.ready.peerId}`))).toBe(true)
  }
})

test('our Helia client fetches a 10 MiB file and a directory added to Kubo, over TCP and over WebSockets', async () => {
  const dir = await tempDir()
  const { root, bigFile } = await contentTree(dir)
  const kubo = await startKubo()
  const treeCid = await addWithKubo(kubo, root)
  const fileCid = await addWithKubo(kubo, bigFile)
  for (const [index, address] of kubo.ready.multiaddrs.entries()) {
    expect(address).toMatch(index === 0 ? /\/tcp\/\d+\/p2p\// : /\/tcp\/\d+\/ws\/p2p\//)
    for (const [cid, source] of [[fileCid, bigFile], [treeCid, root]] as const) {
      const out = join(dir, `out-${index}-${cid.slice(-8)}`)
      const client = await runClient('ipfs/helia', ['get', cid, out], { SERVER_ADDR: address })
      expectExitCode(client, 0)
      expect(client.stdout).toContain(`connected to ${kubo.ready.peerId}`)
      expect(client.stdout).toMatch(/every block checked against its CID ✓/)
      expect(await readTree(out)).toEqual(await readTree(source))
    }
  }
})
