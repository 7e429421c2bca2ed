// A Helia 7 node built piece by piece, so it only talks to the peers you dial: createHeliaLight (no
// default bootstrap, delegated routing, mDNS, UPnP or WebRTC; its codecs and hashes given here: the light
// node knows only dag-pb, raw, sha2-256 and identity) + libp2p over TCP/WebSockets + bitswap.
// With a data dir, blocks and pins live on disk and survive restarts; without one, in memory.
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { identify } from '@libp2p/identify'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as json from 'multiformats/codecs/json'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { EXTRA_HASHERS } from './hashers.ts'

/**
 * The empty block (an empty file, imported with raw leaves), under each hash this node knows. Kubo's bitswap
 * server (boxo 0.43) takes a block size of 0 for "not found" and answers DONT_HAVE for it, so a directory
 * holding an empty file never arrives from Kubo. Its bytes are known and verifiable without asking anyone,
 * so every node starts with it.
 */
const EMPTY_RAW_BLOCKS = await Promise.all([sha256, ...EXTRA_HASHERS].map(async hasher => CID.createV1(raw.code, await hasher.digest(new Uint8Array(0)))))

export interface NodeOptions {
  /** Keep blocks, pins and libp2p state under this directory. */
  dataDir?: string
  privateKey?: PrivateKey
  listen?: string[]
  announce?: string[]
  /** Connection limits (see src/config.ts); libp2p's defaults when omitted. */
  connectionManager?: { maxConnections: number, maxIncomingPendingConnections: number, inboundConnectionThreshold: number }
  /** The contents of a `swarm.key`: then the node only talks to peers that hold the same key (a private network). */
  swarmKey?: Uint8Array
  /** libp2p's and Bitswap's own metrics go into this Prometheus registry. */
  metricsRegistry?: Registry
}

export async function createNode (options: NodeOptions = {}) {
  let blockstore: FsBlockstore | MemoryBlockstore = new MemoryBlockstore()
  let datastore: FsDatastore | MemoryDatastore = new MemoryDatastore()
  if (options.dataDir !== undefined) {
    const fsBlockstore = new FsBlockstore(join(options.dataDir, 'blocks'))
    const fsDatastore = new FsDatastore(join(options.dataDir, 'datastore'))
    await fsBlockstore.open()
    await fsDatastore.open()
    blockstore = fsBlockstore
    datastore = fsDatastore
  }

  for (const empty of EMPTY_RAW_BLOCKS) await blockstore.put(empty, new Uint8Array(0))

  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore, hashers: EXTRA_HASHERS, codecs: [dagCbor, dagJson, json] }), {
    privateKey: options.privateKey,
    addresses: {
      listen: options.listen ?? [],
      announce: options.announce ?? []
    },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: options.swarmKey === undefined ? undefined : preSharedKey({ psk: options.swarmKey }),
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, and leave the server's counters in it alone
    metrics: options.metricsRegistry === undefined ? undefined : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    services: {
      identify: identify()
    }
  }), {
    // Bitswap waits this long after a want before sending the want-list, to batch wants; fetching one
    // small file after another, the default 10 ms was most of each block's round trip (see BENCHMARKS.md).
    sendWantlistDebounce: 0
  })
  await helia.start()
  // the store itself, under Helia's: Helia's delete asks the content routers to stop announcing the block,
  // and this node has none, so it throws (NoContentRoutersError)
  return Object.assign(helia, { localBlockstore: blockstore })
}

export type Node = Awaited<ReturnType<typeof createNode>>
