// The client's node and its one connection: dialled with retries and kept alive, so a fetch survives a server
// restart. `get` and `add` in src/client.ts both start here.
import type { BitswapBlockBrokerInit } from '@helia/bitswap'
import { KEEP_ALIVE, type PrivateKey } from '@libp2p/interface'
import { dialWithRetry, parseServerAddress } from './dial.ts'
import { createNode } from './node.ts'

export interface ClientConfig {
  serverAddress: string
  /** The client's identity, the peer ID a server's PIN_ALLOW_PEERS names; a new one each run when unset. */
  privateKey: PrivateKey | undefined
  dialDeadlineMs: number
  /** How long `get` waits for content nobody may have. */
  fetchTimeoutMs: number
  /** With a trustless gateway URL, `get` fetches a CAR over HTTP instead of blocks over bitswap. */
  gatewayUrl: string | undefined
  swarmKey: Uint8Array | undefined
  bitswap?: BitswapBlockBrokerInit
}
export type Log = (line: string) => void

// #region connect
export async function connectedNode (config: ClientConfig, log: Log) {
  const server = parseServerAddress(config.serverAddress)
  const helia = await createNode({ swarmKey: config.swarmKey, privateKey: config.privateKey, bitswap: config.bitswap })
  try {
    log(`client ${helia.libp2p.peerId} dialling ${server}`)
    const started = performance.now()
    const connection = await dialWithRetry(helia, server, config.dialDeadlineMs,
      (attempt, error, waitMs) => log(`attempt ${attempt} failed (${error.message}); retrying in ${waitMs} ms`))
    const peer = connection.remotePeer
    log(`connected to ${peer} in ${Math.round(performance.now() - started)} ms`)
    // a dropped connection (a server restart) is dialled again, and bitswap asks again: the fetch goes on
    await helia.libp2p.peerStore.merge(peer, { tags: { [KEEP_ALIVE]: { value: 1 } } })
    helia.libp2p.addEventListener('peer:disconnect', ({ detail }) => {
      if (detail.equals(peer) && helia.libp2p.status === 'started') log(`connection to ${peer} lost; dialling it again`)
    })
    helia.libp2p.addEventListener('peer:connect', ({ detail }) => {
      if (detail.equals(peer) && helia.libp2p.status === 'started') log(`reconnected to ${peer}`)
    })
    return { helia, server: connection.remoteAddr }
  } catch (err) {
    await helia.stop()
    throw err
  }
}
// #endregion
