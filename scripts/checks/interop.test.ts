// libp2p 1.x and 3.x speak the same wire protocols (multistream-select, Noise, Yamux, identify, ping and
// this repo's echo and messages): each version's client must work against the other version's server,
// over TCP and over WebSockets. Run as processes, as users run them.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { expectExit, expectStop, startProcess, stopAllProcesses, waitForReady } from '../testing/processes.ts'

const peers = join(import.meta.dirname, '..', '..', 'peers', 'libp2p')

afterEach(stopAllProcesses)

test.each([
  ['v3', 'v1'],
  ['v1', 'v3']
])('a libp2p %s client against a libp2p %s server, over TCP and WebSockets', async (clientVersion, serverVersion) => {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: join(peers, serverVersion),
    label: `${serverVersion} server`,
    env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' }
  })
  const ready = await waitForReady(server)
  for (const address of ready.multiaddrs) {
    const client = startProcess(['node', 'src/client.ts', address], {
      cwd: join(peers, clientVersion),
      label: `${clientVersion} client`
    })
    await expectExit(client, 0)
    const output = client.stdout.join('\n')
    expect(output).toContain(`connected to ${ready.peerId}`)
    expect(output).toMatch(/ping: \d+/)
    expect(output).toMatch(/sent "goodbye" → received "GOODBYE"/)
    expect(output).toMatch(/1048576 bytes sent and returned intact/)
  }
  expect(server.stdout.filter(line => line.startsWith('message from'))).toHaveLength(6)
  await expectStop(server, 'SIGTERM')
})
