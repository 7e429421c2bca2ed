// The libp2p examples' clients, v1 and v3, dial Kubo (go-libp2p) over TCP and over WebSockets: Noise, Yamux,
// identify and ping. Kubo speaks neither liftoff protocol, so the clients stop after ping, as they say.
import { afterEach, expect, test } from 'vitest'
import { expectExitCode, terminateAllProcesses } from '../testing/processes.ts'
import { runClient, startKubo } from './start-peers.ts'

afterEach(terminateAllProcesses)

test.each(['v1', 'v3'])(
  'a libp2p %s client dials Kubo over TCP and WebSockets, identifies and pings it',
  async version => {
    const kubo = await startKubo()
    expect(kubo.ready.multiaddrs).toHaveLength(2)
    for (const address of kubo.ready.multiaddrs) {
      const client = await runClient(`libp2p/${version}`, [address])
      expectExitCode(client, 0)
      expect(client.stdout).toContain(`connected to ${kubo.ready.peerId} via ${address} `)
      expect(client.stdout).toMatch(/encryption \/noise, muxer \/yamux\/1\.0\.0/)
      const identify = /^identify: agent (\S+); protocols (.+)$/m.exec(client.stdout)
      expect(identify?.[1]).toBe(`kubo/${kubo.ready.version}`)
      expect(identify?.[2]!.split(' ')).toEqual(
        expect.arrayContaining(['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/ipfs/bitswap/1.2.0'])
      )
      expect(client.stdout).toMatch(/^ping: \d+(\.\d+)? ms$/m)
      expect(client.stdout).toContain('not a liftoff server, so identify and ping is all')
    }
  }
)
