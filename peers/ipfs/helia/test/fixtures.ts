// In-process fixtures: servers on random loopback ports (libp2p and gateway) with their own data dirs,
// client nodes, and files to move around. Everything is stopped and removed after each test.
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import type { ClientConfig } from '../src/connect.ts'
import { createNode, type Node } from '../src/node.ts'
import { readClientConfig, readServerConfig, type ServerConfig } from '../src/run/config.ts'
import { decodePrivateKey } from '../src/run/identity.ts'
import { startConfiguredServer, type RunningServer } from '../src/run/server.ts'
import { startServer } from '../src/server.ts'

export { tempDir }

/** A client identity: the test servers' PIN_ALLOW_PEERS names it, clients given PRIVATE_KEY use it. */
async function clientIdentity (): Promise<{ PRIVATE_KEY: string, peerId: string }> {
  const key = await generateKeyPair('Ed25519')
  return {
    PRIVATE_KEY: Buffer.from(privateKeyToProtobuf(key)).toString('base64'),
    peerId: peerIdFromPrivateKey(key).toString()
  }
}
export const allowedClient = await clientIdentity()
export const stranger = await clientIdentity()

/** A client node under `identity`'s key (the allowed client's by default), stopped after the test. */
export async function clientNode (identity = allowedClient): Promise<Node> {
  const node = await createNode({ privateKey: decodePrivateKey(identity.PRIVATE_KEY) })
  onCleanup('client stop()', () => node.stop())
  return node
}

export interface TestServer extends RunningServer {
  config: ServerConfig
  log: string[]
  clientConfig: ClientConfig
}

export async function serverConfig (env: Record<string, string> = {}): Promise<ServerConfig> {
  return readServerConfig({
    DATA_DIR: await tempDir(),
    LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
    GATEWAY_LISTEN: '127.0.0.1:0',
    PIN_ALLOW_PEERS: allowedClient.peerId,
    ...env
  })
}

export async function startTestServer (config?: ServerConfig): Promise<TestServer> {
  const resolved = config ?? await serverConfig()
  const log: string[] = []
  const server = await startConfiguredServer(startServer, resolved, line => log.push(line))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (!stopped) await server.stop()
    stopped = true
  }
  onCleanup('server stop()', stop)
  return {
    ...server,
    stop,
    config: resolved,
    log,
    clientConfig: readClientConfig({
      SERVER_ADDR: server.ready.multiaddrs[0],
      FETCH_TIMEOUT_MS: '30000',
      PRIVATE_KEY: allowedClient.PRIVATE_KEY
    })
  }
}

export const silent = (): void => {}

export async function randomFile (dir: string, name: string, bytes: number): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, randomBytes(bytes))
  return path
}

/** A directory with nested folders, an empty file, text and a multi-block binary. */
export async function nestedDirectory (parent: string, name = 'tree'): Promise<string> {
  const root = join(parent, name)
  await mkdir(join(root, 'docs', 'deeper'), { recursive: true })
  await writeFile(join(root, 'README.txt'), 'a nested directory\n')
  await writeFile(join(root, 'empty.txt'), '')
  await writeFile(join(root, 'docs', 'notes.md'), '# notes\n')
  await writeFile(join(root, 'docs', 'deeper', 'blob.bin'), randomBytes(2 * 1024 * 1024 + 17))
  return root
}

/** Relative path → file contents (directories as null), for comparing trees. */
export async function readTree (root: string): Promise<Record<string, string | null>> {
  const tree: Record<string, string | null> = {}
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      if (entry.isDirectory()) {
        tree[relative] = null
        await walk(join(dir, entry.name), relative)
      } else {
        tree[relative] = (await readFile(join(dir, entry.name))).toString('base64')
      }
    }
  }
  if ((await stat(root)).isDirectory()) await walk(root, '')
  else tree['.'] = (await readFile(root)).toString('base64')
  return tree
}
