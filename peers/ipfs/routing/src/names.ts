// IPNS over the node's routing (the DHT, or a delegated router): names publish and resolve as Kubo's do, and
// every record is checked against the name's key (its signature) and its validity before it is used.
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { ed25519Crypto } from '@ipshipyard/crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { multihashToIPNSRoutingKey } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { namesOf, type RoutingNode } from './node.ts'
import type { DelegatedNode } from './delegated.ts'
import type { CID } from 'multiformats/cid'

type Log = (line: string) => void
type Node = RoutingNode | DelegatedNode

const since = (started: number): string => `${Math.round(performance.now() - started)} ms`

// #region resolve
export async function resolve (node: Node, text: string, signal: AbortSignal, log: Log, started: number) {
  const name = text.replace(/^\/ipns\//, '')
  try {
    // eslint-disable-next-line no-unreachable-loop -- the best record is the first
    for await (const result of namesOf(node).resolve(name, { signal, nocache: true })) {
      log(`resolved /ipns/${name} → ${result.value} (sequence ${result.record.sequence}) after ${since(started)}`)
      return
    }
  } catch (err) {
    const invalid = (err as Error).name === 'RecordsFailedValidationError'
    const reason = invalid ? await whyRefused(node, name, signal) : (err as Error).message
    throw new Error(`could not resolve /ipns/${name}: ${reason}`)
  }
}
// #endregion

/** @helia/ipns says only that a record "was invalid"; asked again, the validator says why. */
async function whyRefused (node: Node, name: string, signal: AbortSignal): Promise<string> {
  const routingKey = multihashToIPNSRoutingKey(peerIdFromString(name).toMultihash())
  try {
    await ipnsValidator(routingKey, await node.routing.get(routingKey, { signal }))
    return 'the record the network returned was refused, and a second one was valid: try again'
  } catch (err) {
    return `the record the network returned was refused: ${(err as Error).message}`
  }
}

export async function publish (node: Node, keyFile: string, cid: CID, signal: AbortSignal, log: Log, started: number) {
  const names = namesOf(node)
  const ed25519 = ed25519Crypto()
  const key = existsSync(keyFile)
    ? await ed25519.privateKeyFromProtobuf(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64'))
    : await ed25519.generatePrivateKey()
  if (!existsSync(keyFile)) {
    await writeFile(keyFile, Buffer.from(key.toProtobuf()).toString('base64') + '\n', { mode: 0o600 })
  }
  await node.keychain.importKey('name', key)
  // the record the network has now (if any) is cached, so the new one gets the next sequence number
  try {
    for await (const current of names.resolve(key.publicKey, { signal, nocache: true })) {
      log(`the network has sequence ${current.record.sequence} (${current.value})`)
    }
  } catch {
    log('the network has no record for this name yet')
  }
  const published = await names.publish('name', cid, { signal })
  log(`published ${published.name} → /ipfs/${cid} (sequence ${published.record.sequence}) after ${since(started)}`)
}
