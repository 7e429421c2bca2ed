// In-process fixtures: an OrbitDB server on a random loopback port with its own data dir, writer
// identities, and clients run as functions. Everything is stopped and removed after each test. orbitdbExample
// is this example as the suites written once for both majors take it (scripts/testing/orbitdb-example.ts).
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { Entry, type OrbitDB } from '@orbitdb/core'
import { lpStream } from 'it-length-prefixed-stream'
import { CID } from 'multiformats/cid'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { runClient, type ClientReport } from '../src/client.ts'
import * as dial from '../src/dial.ts'
import { createNode, type Node } from '../src/node.ts'
import { createDocuments, generateIdentityKey, openDatabase, startOrbitDB, type Note } from '../src/orbitdb.ts'
import * as replication from '../src/replication.ts'
import { readClientConfig, readServerConfig, type ServerConfig } from '../src/run/config.ts'
import { startConfigured, type RunningServer } from '../src/run/server.ts'
import { startServer } from '../src/server.ts'
import type { Connection, Stream } from '@libp2p/interface'

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
export async function writer (
  name: string
): Promise<{ name: string, key: string, identityId: string, dataDir: string }> {
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

/** Stops the server process (`pid`) from when the connection's next ping goes out, for `ms` in all. */
export async function stallNextPing (connection: Connection, pid: number, ms: number): Promise<void> {
  // libp2p's connection monitor pings every connection every 10 s: note when it opens a ping stream
  const pingSent = Promise.withResolvers<number>()
  const newStream = connection.newStream.bind(connection)
  connection.newStream = async (protocols, options) => {
    if ([protocols].flat().includes('/ipfs/ping/1.0.0')) pingSent.resolve(Date.now())
    return newStream(protocols, options)
  }
  process.kill(pid, 'SIGSTOP')
  try {
    const sentAt = await pingSent.promise
    await delay(ms - (Date.now() - sentAt)) // the ping goes unanswered this long: the fault's length
  } finally {
    process.kill(pid, 'SIGCONT')
  }
}

/** This example for the suites written once for both majors (scripts/testing/orbitdb-example.ts). */
export const orbitdbExample = {
  refusedEntry: 'error event', // OrbitDB 2 emits 'error' on a database for an entry it refuses
  fixtures: { serverConfig, startTestServer, writer, runAs, documentIds },
  dial,
  replication,
  createNode,
  // OrbitDB 2's createDocuments and openDatabase take the Helia node as well (keepReplicatedEntries)
  createDocuments: async ({ helia, orbitdb }: { helia: Node, orbitdb: OrbitDB }, name: string, writers: string[]) =>
    createDocuments<Note>(helia, orbitdb, name, writers),
  openDatabase: async ({ helia, orbitdb }: { helia: Node, orbitdb: OrbitDB }, address: string) =>
    openDatabase<Note>(helia, orbitdb, address),
  startOrbitDB,
  Entry,
  lpStream: (stream: Stream) => lpStream(stream), // libp2p 1's, from it-length-prefixed-stream
  parseCid: (hash: string) => CID.parse(hash)
} as const
