// Fixtures: a server on random loopback ports with its own temp dir (in this process, or as its own process),
// and client nodes, all stopped (with a deadline) after each test.
import { join } from 'node:path'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { startProcess, waitForReady } from '../../../../scripts/testing/processes.ts'
import { readServerConfig, type ServerConfig } from '../src/run/config.ts'
import { startConfiguredServer, type RunningServer } from '../src/run/server.ts'
import { createNode, type Node } from '../src/node.ts'
import { startServer } from '../src/server.ts'

export { tempDir }

export interface TestServer extends RunningServer {
  config: ServerConfig
  log: string[]
  tcpAddress: string
  wsAddress: string
}

export async function startTestServer (overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const config = {
    ...readServerConfig({ DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' }),
    ...overrides
  }
  const log: string[] = []
  const server = await startConfiguredServer(startServer, config, line => log.push(line))
  onCleanup('server stop()', () => server.stop())
  const tcpAddress = server.ready.multiaddrs.find(address => !address.includes('/ws/'))
  const wsAddress = server.ready.multiaddrs.find(address => address.includes('/ws/'))
  if (tcpAddress === undefined || wsAddress === undefined) {
    throw new Error(`server lacks an address: ${server.ready.multiaddrs.join(' ')}`)
  }
  return { ...server, config, log, tcpAddress, wsAddress }
}

export async function startClientNode (): Promise<Node> {
  const node = await createNode()
  onCleanup('client node stop()', () => node.stop())
  return node
}

/** `node src/server.ts` as its own process, with a fresh DATA_DIR and `env`; resolves with its READY line. */
export async function startServerProcess (label: string, env: Record<string, string>) {
  const cwd = join(import.meta.dirname, '..')
  const server = startProcess(['node', 'src/server.ts'], { cwd, label, env: { DATA_DIR: await tempDir(), ...env } })
  return { server, ready: await waitForReady(server) }
}
