// Private networks: one `swarm.key` (written by `pnpm swarm-key`) shared by Kubo, the libp2p v3 example and
// the Helia example. Peers holding it connect and work; a peer without it, or with another key, is refused
// in both directions.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { expectExit, expectExitCode, startProcess, terminateAllProcesses } from '../testing/processes.ts'
import { runClient, startHeliaServer, startKubo, startLibp2pServer } from './start-peers.ts'
import { connect } from '../../peers/ipfs/kubo/src/rpc.ts'
import { parseCid, parseMultiaddr } from '../../peers/ipfs/kubo/src/run/commands.ts'

afterEach(terminateAllProcesses)

async function swarmKey (dir: string, name: string): Promise<string> {
  const path = join(dir, name)
  const writer = startProcess(['node', join(import.meta.dirname, '..', 'swarm-key.ts'), path], { cwd: dir })
  await expectExit(writer, 0)
  return path
}

test('Kubo and a libp2p v3 client with the same swarm key ' +
  'connect; without it or with another key they are refused', async () => {
  const dir = await tempDir()
  const key = await swarmKey(dir, 'swarm.key')
  const otherKey = await swarmKey(dir, 'other.key')
  const kubo = await startKubo({ SWARM_KEY_FILE: key })
  expect(kubo.ready.privateNetwork).toBe(true)
  const [address] = kubo.ready.multiaddrs

  const member = await runClient('libp2p/v3', [address!], { SWARM_KEY_FILE: key })
  expectExitCode(member, 0)
  expect(member.stdout).toMatch(/identify: agent kubo\//)
  // Without a key the client's Noise handshake meets Kubo's encrypted stream (garbage, or silence until the
  // deadline, depending on who writes first); with another key nothing decrypts. Either way: refused.
  for (const env of [{}, { SWARM_KEY_FILE: otherKey }] as Array<Record<string, string>>) {
    const outsider = await runClient('libp2p/v3', [address!], { ...env, DIAL_TIMEOUT_MS: '3000' })
    expectExitCode(outsider, 1)
    expect(outsider.stderr).toEqual([
      expect.stringMatching(
        new RegExp(String.raw`^client: (could not reach .* within 3000 ms|` +
          String.raw`encryption handshake with .* failed \(.*\): is it in a private network whose swarm\.key)`)
      )
    ])
  }
})

test('Kubo with the key fetches from a Helia server with the key; a ' +
  'Helia server without it refuses Kubo, and the reverse', async () => {
  const dir = await tempDir()
  const key = await swarmKey(dir, 'swarm.key')
  const kubo = await startKubo({ SWARM_KEY_FILE: key })
  const rpc = await connect({ api: kubo.ready.api, timeoutMs: 30_000 })

  const privateHelia = await startHeliaServer({
    SWARM_KEY_FILE: key,
    SERVE_PATH: join(import.meta.dirname, 'start-peers.ts')
  })
  await rpc.swarm.connect(parseMultiaddr(privateHelia.ready.multiaddrs[0]!))
  await rpc.pin.add(parseCid(privateHelia.ready.cid, 'served CID'), { signal: AbortSignal.timeout(30_000) })

  const publicHelia = await startHeliaServer({ SERVE_PATH: join(import.meta.dirname, 'pnet.test.ts') })
  await expect(
    rpc.swarm.connect(parseMultiaddr(publicHelia.ready.multiaddrs[0]!), { signal: AbortSignal.timeout(10_000) })
  ).rejects.toThrow()
  expect((await rpc.swarm.peers()).map(peer => peer.peer.toString())).not.toContain(publicHelia.ready.peerId)

  // and a Helia client without the key cannot get anything from Kubo
  const outsider = await runClient('ipfs/helia', ['get', privateHelia.ready.cid!, join(dir, 'out')], {
    SERVER_ADDR: kubo.ready.multiaddrs[0]!,
    DIAL_TIMEOUT_MS: '3000'
  })
  expectExitCode(outsider, 1)
  expect(outsider.stderr).toEqual([expect.stringMatching(/^client: could not reach .* within 3000 ms/)])
})

test('libp2p v3 server and client share a private network of their own', async () => {
  const dir = await tempDir()
  const key = await swarmKey(dir, 'swarm.key')
  const server = await startLibp2pServer('v3', { SWARM_KEY_FILE: key })
  const member = await runClient('libp2p/v3', [server.ready.multiaddrs[1]!], { SWARM_KEY_FILE: key })
  expectExitCode(member, 0)
  expect(member.stdout).toMatch(/bytes sent and returned intact/)
  const outsider = await runClient('libp2p/v3', [server.ready.multiaddrs[0]!], { DIAL_TIMEOUT_MS: '2000' })
  expectExitCode(outsider, 1)
  const badKey = await runClient('libp2p/v3', [server.ready.multiaddrs[0]!], {
    SWARM_KEY_FILE: join(import.meta.dirname, 'start-peers.ts')
  })
  expect(badKey.stderr).toEqual([expect.stringMatching(/^client: SWARM_KEY_FILE .* is not a swarm key/)])
})
