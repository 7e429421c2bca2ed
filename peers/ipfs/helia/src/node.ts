// A Helia 7 node built piece by piece, so it talks only to the peers you dial: Helia's defaults would reach
// public services (bootstrap peers, delegated routing, public gateways), createHeliaLight adds none of them.
// With a data dir, blocks and pins live on disk and survive restarts; without one, in memory.
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap, type BitswapBlockBrokerInit } from '@helia/bitswap'
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
import * as json from 'multiformats/codecs/json'
import type { ConnectionManagerInit } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { EXTRA_HASHERS } from './hashers.ts'
import { storeEmptyBlocks } from './workarounds/kubo-empty-block.ts'
import { withLocalBlockstore } from './workarounds/local-delete.ts'

export interface NodeOptions {
  /** Keep blocks, pins and libp2p state under this directory. */
  dataDir?: string
  privateKey?: PrivateKey
  listen?: string[]
  announce?: string[]
  /** libp2p's defaults when omitted; a server for many clients raises them (src/run/config.ts). */
  connectionManager?: ConnectionManagerInit
  /** The contents of a `swarm.key`: then the node only talks to peers that hold the same key. */
  swarmKey?: Uint8Array
  /** libp2p's and Bitswap's own metrics go into this Prometheus registry. */
  metricsRegistry?: Registry
  /** Bitswap's settings; its defaults when omitted (src/tuned/bitswap.ts is the faster choice). */
  bitswap?: BitswapBlockBrokerInit
}

// #region node
export async function createNode (options: NodeOptions = {}) {
  const blockstore = options.dataDir === undefined
    ? new MemoryBlockstore()
    : new FsBlockstore(join(options.dataDir, 'blocks'))
  const datastore = options.dataDir === undefined
    ? new MemoryDatastore()
    : new FsDatastore(join(options.dataDir, 'datastore'))
  if (blockstore instanceof FsBlockstore) await blockstore.open()
  if (datastore instanceof FsDatastore) await datastore.open()
  await storeEmptyBlocks(blockstore, EXTRA_HASHERS)

  // the light node knows dag-pb, raw, sha2-256 and identity: add the codecs and hashes Kubo may use
  const light = createHeliaLight({ blockstore, datastore, hashers: EXTRA_HASHERS, codecs: [dagCbor, dagJson, json] })
  const helia = withBitswap(withLibp2pLight(light, {
    privateKey: options.privateKey,
    addresses: { listen: options.listen ?? [], announce: options.announce ?? [] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: options.swarmKey === undefined ? undefined : preSharedKey({ psk: options.swarmKey }),
    connectionManager: options.connectionManager,
    // its own registry, not prom-client's global one, keeping the server's counters in it
    metrics: options.metricsRegistry === undefined
      ? undefined
      : prometheusMetrics({ registry: options.metricsRegistry, preserveExistingMetrics: true }),
    services: { identify: identify() }
  }), options.bitswap)
  await helia.start()
  return withLocalBlockstore(helia, blockstore)
}
// #endregion

export type Node = Awaited<ReturnType<typeof createNode>>
