// In-process fixtures: a server on random loopback ports with its own temp dir, and client nodes,
// all stopped (with a deadline) after each test.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { within } from '../../../../scripts/testing/processes.ts'
import { readServerConfig, type ServerConfig } from '../src/config.ts'
import { createNode, type Node } from '../src/node.ts'
import { startServer, type RunningServer } from '../src/server.ts'

const STOP_DEADLINE_MS = 5000
const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  const pending = cleanups.splice(0).reverse()
  for (const cleanup of pending) await cleanup()
})

export async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'liftoff-libp2p-v1-test-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export interface TestServer extends RunningServer {
  config: ServerConfig
  log: string[]
  tcpAddress: string
  wsAddress: string
}

export async function startTestServer (overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dataDir = await tempDir()
  const config = {
    ...readServerConfig({ DATA_DIR: dataDir, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws' }),
    ...overrides
  }
  const log: string[] = []
  const server = await startServer(config, line => log.push(line))
  cleanups.push(() => within(server.stop(), STOP_DEADLINE_MS, 'server stop()'))
  const tcpAddress = server.ready.multiaddrs.find(address => !address.includes('/ws/'))
  const wsAddress = server.ready.multiaddrs.find(address => address.includes('/ws/'))
  if (tcpAddress === undefined || wsAddress === undefined) throw new Error(`server lacks an address: ${server.ready.multiaddrs.join(' ')}`)
  return { ...server, config, log, tcpAddress, wsAddress }
}

export async function startClientNode (): Promise<Node> {
  const node = await createNode()
  cleanups.push(() => within(Promise.resolve(node.stop()), STOP_DEADLINE_MS, 'client node stop()'))
  return node
}
