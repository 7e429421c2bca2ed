// Canaries: each upstream bug a file in src/workarounds/ answers, shown with the workaround off. When one of
// these fails, upstream has fixed the bug: remove the workaround the message names.
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { IPFSAccessController, type DocumentsDatabase } from '@orbitdb/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, expect, test } from 'vitest'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { dialWithRetry, parseServerAddress } from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { startOrbitDB } from '../src/orbitdb.ts'
import type { Ready } from '../src/run/server.ts'

afterEach(stopAllProcesses)

async function rawBlock (text: string): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

test('canary: Bitswap 1.x fails a put when sending the block to a peer that wanted it fails', async () => {
  const holder = await createNode({ dataDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], workarounds: false })
  onCleanup('holder stop()', () => holder.stop())
  const asker = await createNode({ dataDir: await tempDir() })
  onCleanup('asker stop()', () => asker.stop())
  const [first, second, probe] = await Promise.all([rawBlock('first'), rawBlock('second'), rawBlock('held already')])
  await holder.blockstore.put(probe.cid, probe.bytes)
  // the wants reach the holder in one message; the probe coming back proves it noted the others
  const wanting = new AbortController()
  onCleanup('asker wants aborted', () => wanting.abort())
  for (const { cid } of [first, second]) {
    Promise.resolve(asker.blockstore.get(cid, { signal: wanting.signal })).catch(() => undefined)
  }
  const probed = asker.blockstore.get(probe.cid, { signal: wanting.signal })
  await asker.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!)
  await probed
  await asker.libp2p.unhandle('/ipfs/bitswap/1.2.0') // as a peer that is hanging up: sends to it now fail

  // the first put's send finds the asker gone; the second's fails, and with it the put
  await Promise.resolve(holder.blockstore.put(first.cid, first.bytes)).catch(() => undefined)
  const stored = await Promise.resolve(holder.blockstore.put(second.cid, second.bytes)).then(() => true, () => false)
  expect(stored, 'upstream fixed a failed Bitswap send failing the put: remove src/workarounds/bitswap-announce.ts')
    .toBe(false)
})

test('canary: libp2p 1.9 closes a connection whose peer answers a ping after 2 s', async () => {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: join(import.meta.dirname, '..'),
    label: 'server',
    env: { DATA_DIR: await tempDir(), LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0' }
  })
  const ready = await waitForReady<Ready>(server)
  const node = await createNode({ dataDir: await tempDir(), workarounds: false })
  onCleanup('node stop()', () => node.stop())
  const address = parseServerAddress(ready.multiaddrs[0]!)
  const { connection } = await dialWithRetry(node.libp2p, address, { deadlineMs: 10_000 })
  // the connection monitor pings every connection every 10 s: note when it opens a ping stream
  const pingSent = Promise.withResolvers<number>()
  const newStream = connection.newStream.bind(connection)
  connection.newStream = async (protocols, options) => {
    if ([protocols].flat().includes('/ipfs/ping/1.0.0')) pingSent.resolve(Date.now())
    return newStream(protocols, options)
  }
  process.kill(server.child.pid!, 'SIGSTOP') // a server too busy to answer for 3 s
  try {
    const sentAt = await pingSent.promise
    await delay(3_000 - (Date.now() - sentAt)) // the ping goes unanswered this long: the fault's length
  } finally {
    process.kill(server.child.pid!, 'SIGCONT')
  }
  expect(connection.status, 'upstream fixed 1.9\'s ping timeout: remove src/workarounds/ping-timeout.ts')
    .not.toBe('open')
})

test('canary: OrbitDB 2.2 keeps the block of an entry it joins as a head nowhere but in its heads store', async () => {
  const writerDir = await tempDir()
  const writerNode = await createNode({ dataDir: writerDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
  onCleanup('writer node stop()', () => writerNode.stop())
  const writer = await startOrbitDB(writerNode, { dataDir: writerDir })
  onCleanup('writer orbitdb stop()', () => writer.stop())
  const readerDir = await tempDir()
  const readerNode = await createNode({ dataDir: readerDir })
  onCleanup('reader node stop()', () => readerNode.stop())
  const reader = await startOrbitDB(readerNode, { dataDir: readerDir })
  onCleanup('reader orbitdb stop()', () => reader.stop())

  // the reader opens the database as OrbitDB does, without src/workarounds/keep-replicated-entries.ts, and
  // without OrbitDB's sync: the entry is joined by hand, as sync joins what a peer sends
  const access = IPFSAccessController({ write: [writer.identity.id] })
  const db: DocumentsDatabase = await writer.open('canary', { type: 'documents', AccessController: access })
  const hash = await db.put({ _id: 'first' })
  await readerNode.libp2p.dial(writerNode.libp2p.getMultiaddrs()[0]!)
  const replica: DocumentsDatabase = await reader.open(db.address, { sync: false })
  await readerNode.libp2p.hangUp(writerNode.libp2p.peerId) // from now on nobody can send the block again
  const entry = await db.log.get(hash)
  expect(await replica.log.joinEntry(entry!)).toBe(true)
  expect(await replica.log.has(hash)).toBe(true) // the log counts it

  const stored = await readerNode.blockstore.has(CID.parse(hash))
  expect(stored, 'upstream fixed 2.2 keeping joined heads only in the heads store: ' +
    'remove src/workarounds/keep-replicated-entries.ts').toBe(false)
})
