// In-process fixtures: an OrbitDB server on a random loopback port with its own data dir, writer
// identities, and clients run as functions. Everything is stopped and removed after each test. orbitdbExample
// is this example as the suites written once for both majors take it (scripts/testing/orbitdb-example.ts).
import { join } from 'node:path'
import { lpStream } from '@libp2p/utils'
import { Entry, type OrbitDB } from '@orbitdb/core'
import { CID } from 'multiformats/cid'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { runClient, type ClientReport } from '../src/client.ts'
import * as dial from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { createDocuments, generateIdentityKey, openDatabase, startOrbitDB, type Note } from '../src/orbitdb.ts'
import * as replication from '../src/replication.ts'
import { readClientConfig, readServerConfig, type ServerConfig } from '../src/run/config.ts'
import { startConfigured, type RunningServer } from '../src/run/server.ts'
import { startServer } from '../src/server.ts'
import type { Stream } from '@libp2p/interface'

export { tempDir }

export interface TestServer extends RunningServer {
  config: ServerConfig
  log: string[]
}

export async function serverConfig (env: Record<string, string> = {}): Promise<ServerConfig> {
  const dataDir = await tempDir('liftoff-orbitdb-server-')
  return readServerConfig({ DATA_DIR: dataDir, LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env })
}

export async function startTestServer (config: ServerConfig): Promise<TestServer> {
  const log: string[] = []
  const server = await startConfigured(startServer, config, line => log.push(line))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (!stopped) await server.stop()
    stopped = true
  }
  onCleanup('server stop()', stop)
  return { ...server, stop, config, log }
}

/** A writer: an identity key, the ID to list in WRITERS, and a data dir that survives its runs. */
export interface Writer { name: string, key: string, identityId: string, dataDir: string }

export async function writer (name: string): Promise<Writer> {
  return { name, ...await generateIdentityKey(), dataDir: join(await tempDir(`liftoff-orbitdb-${name}-`), name) }
}

export async function runAs (
  client: { name: string, key?: string, dataDir: string },
  server: { ready: { multiaddrs: string[], address: string } },
  env: Record<string, string> = {}
): Promise<ClientReport> {
  return runClient(readClientConfig({
    CLIENT_NAME: client.name,
    DATA_DIR: client.dataDir,
    ...(client.key === undefined ? {} : { IDENTITY_KEY: client.key }),
    SERVER_ADDR: server.ready.multiaddrs[0],
    DB_ADDRESS: server.ready.address,
    SYNC_TIMEOUT_MS: '60000',
    ...env
  }), line => { if (process.env.LIFTOFF_DEBUG !== undefined) console.log(`${client.name}: ${line}`) })
}

export async function documentIds (server: RunningServer, address = server.ready.address): Promise<string[]> {
  const db = server.databases.get(address)
  if (db === undefined) throw new Error(`server does not have ${address} open`)
  return (await db.all()).map(document => document.key).sort()
}

/** This example for the suites written once for both majors (scripts/testing/orbitdb-example.ts). */
export const orbitdbExample = {
  refusedEntry: 'logged', // OrbitDB 4 only logs an entry a database refuses
  fixtures: { serverConfig, startTestServer, writer, runAs, documentIds },
  dial,
  replication,
  createNode,
  createDocuments: async ({ orbitdb }: { orbitdb: OrbitDB }, name: string, writers: string[]) =>
    createDocuments<Note>(orbitdb, name, writers),
  openDatabase: async ({ orbitdb }: { orbitdb: OrbitDB }, address: string) => openDatabase<Note>(orbitdb, address),
  startOrbitDB,
  Entry,
  lpStream: (stream: Stream) => lpStream(stream), // libp2p 3's, from @libp2p/utils
  parseCid: (hash: string) => CID.parse(hash)
} as const
