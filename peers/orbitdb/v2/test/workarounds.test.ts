// Canaries: each upstream bug a file in src/workarounds/ answers, shown with the workaround off. When one of
// these fails, upstream has fixed the bug: remove the workaround the message names.
import { join } from 'node:path'
import { IPFSAccessController, type DocumentsDatabase } from '@orbitdb/core'
import { CID } from 'multiformats/cid'
import { afterEach, expect, test } from 'vitest'
import { onCleanup, tempDir } from '../../../../scripts/testing/cleanup.ts'
import { startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'
import { dialWithRetry, parseServerAddress } from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { startOrbitDB } from '../src/orbitdb.ts'
import type { Ready } from '../src/run/server.ts'
import { BITSWAP, rawBlock, wantFrom } from './blocks.ts'
import { stallNextPing } from './fixtures.ts'

afterEach(stopAllProcesses)

test('canary: Bitswap 1.x fails a put when sending the block to a peer that wanted it fails', async () => {
  const holder = await createNode({ dataDir: await tempDir(), listen: ['/ip4/127.0.0.1/tcp/0'], workarounds: false })
  onCleanup('holder stop()', () => holder.stop())
  const asker = await createNode({ dataDir: await tempDir() })
  onCleanup('asker stop()', () => asker.stop())
  const [first, second] = await Promise.all([rawBlock('first'), rawBlock('second')])
  const wanting = new AbortController()
  onCleanup('asker wants aborted', () => wanting.abort())
  await wantFrom(asker, holder, [first.cid, second.cid], wanting.signal)
  await asker.libp2p.unhandle(BITSWAP) // as a peer that is hanging up: sends to it now fail

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
  await stallNextPing(connection, server.child.pid!, 3_000) // a server too busy to answer for 3 s
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
