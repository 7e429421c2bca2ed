// The client role: a DHT client that knows one peer (BOOTSTRAP) and finds the rest by asking the DHT.
//   get <cid> [file]   finds a provider of the CID, fetches it from that provider over bitswap (Helia checks
//                      every block against its CID) and prints it (short text) or writes it to the file
//   providers <cid>    lists every provider the DHT knows
//   find-peer <peer>   finds a peer's addresses by its peer ID alone
//   resolve <name>     resolves an IPNS name (k51… or /ipns/…) over the DHT; the record's signature and
//                      validity are checked
//   publish <cid>      publishes /ipfs/<cid> under the name whose key is in NAME_KEY_FILE (made on first
//                      use), one sequence number above the highest record the DHT has
// With DELEGATED_ROUTER (a Routing V1 HTTP API, e.g. Kubo's gateway) instead of BOOTSTRAP, it joins no DHT
// and asks that server for providers, peers and names.
// Every step prints what it did and how long it took; a failure is one line and exit code 1.
// `pnpm start:client <command> <arg>`; BOOTSTRAP, DELEGATED_ROUTER, DHT_NETWORK, TIMEOUT_MS, NAME_KEY_FILE (config.ts).
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { ed25519Crypto } from '@ipshipyard/crypto'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { multihashToIPNSRoutingKey } from 'ipns'
import { ipnsValidator } from 'ipns/validator'
import { CID } from 'multiformats/cid'
import { oneLine, peerOf, readClientConfig, type ClientConfig } from './config.ts'
import { createDelegatedNode, createRoutingNode, namesOf, type DelegatedNode, type RoutingNode } from './node.ts'

type Log = (line: string) => void

const COMMANDS = ['get', 'providers', 'find-peer', 'resolve', 'publish'] as const
type Command = typeof COMMANDS[number]

/** Content up to this size that is text is printed. */
const MAX_PRINTED_BYTES = 1024
const short = (peer: string): string => `…${peer.slice(-6)}`

function parseCid (text: string | undefined): CID {
  try {
    return CID.parse(text ?? '')
  } catch {
    throw new Error(`"${text ?? ''}" is not a CID`)
  }
}

interface Found { provider: string, addresses: string[], toldBy: string }

// #region find
/**
 * Asks the DHT for providers of `cid`, from the bootstrap peer outwards: each answer names closer peers or
 * providers. Yields each provider with the peer that told us and how many peers had answered by then.
 */
export async function * findProviders (node: RoutingNode, cid: CID, signal: AbortSignal): AsyncGenerator<Found & { answers: number }> {
  let answers = 0
  const seen = new Set<string>()
  for await (const event of node.libp2p.services.dht.findProviders(cid, { signal })) {
    if (event.name === 'PEER_RESPONSE') answers++
    if (event.name !== 'PROVIDER') continue
    for (const provider of event.providers) {
      if (seen.has(provider.id.toString())) continue
      seen.add(provider.id.toString())
      yield { provider: provider.id.toString(), addresses: provider.multiaddrs.map(String), toldBy: event.from.toString(), answers }
    }
  }
}
// #endregion

/** The same from a delegated router: one HTTP request, the server's answer. */
async function * findProvidersDelegated (node: DelegatedNode, cid: CID, signal: AbortSignal): AsyncGenerator<Found> {
  for await (const provider of node.routing.findProviders(cid, { signal })) {
    yield { provider: peerIdFromCID(provider.id).toString(), addresses: provider.multiaddrs.map(String), toldBy: 'the delegated router' }
  }
}

/** Who told us, in words. */
function source (found: Found & { answers?: number }, bootstrapPeer: string | undefined): string {
  if (found.answers === undefined) return found.toldBy
  return `${found.toldBy === bootstrapPeer ? 'the bootstrap peer' : `${short(found.toldBy)}, which the search reached from the bootstrap peer`} (${found.answers} DHT answer${found.answers === 1 ? '' : 's'} so far)`
}

async function get (client: Client, cid: CID, out: string | undefined, signal: AbortSignal, log: Log, started: number): Promise<void> {
  const { node } = client
  for await (const found of client.findProviders(cid, signal)) {
    log(`found provider ${found.provider} after ${Math.round(performance.now() - started)} ms: told by ${source(found, client.bootstrapPeer)}, at ${found.addresses.join(', ') || 'no address (none kept for this network)'}`)
    const chunks: Uint8Array[] = []
    for await (const chunk of unixfs(node).cat(cid, { signal })) chunks.push(chunk)
    const bytes = Buffer.concat(chunks)
    const connected = node.libp2p.getConnections().map(connection => connection.remotePeer.toString())
    log(`fetched ${bytes.length} bytes of ${cid} after ${Math.round(performance.now() - started)} ms, every block checked against its CID${connected.includes(found.provider) ? ` (connected to the provider ${short(found.provider)})` : ''}`)
    if (out !== undefined) {
      await writeFile(out, bytes)
      log(`wrote ${out}`)
    } else if (bytes.length <= MAX_PRINTED_BYTES && !bytes.includes(0)) log(`content: ${bytes.toString('utf8')}`)
    return
  }
  throw new Error(`no provider of ${cid} found in the DHT`)
}

async function providers (client: Client, cid: CID, signal: AbortSignal, log: Log): Promise<void> {
  let count = 0
  for await (const found of client.findProviders(cid, signal)) {
    count++
    log(`provider ${found.provider} (told by ${source(found, client.bootstrapPeer)}) at ${found.addresses.join(', ')}`)
  }
  log(`${count} provider${count === 1 ? '' : 's'} of ${cid}`)
}

async function findPeer ({ node }: Client, text: string | undefined, signal: AbortSignal, log: Log, started: number): Promise<void> {
  let peer
  try {
    peer = peerIdFromString(text ?? '')
  } catch {
    throw new Error(`"${text ?? ''}" is not a peer ID`)
  }
  const found = await node.routing.findPeer(peer.toCID(), { signal }).catch((err: Error) => {
    throw new Error(`${peer} not found: ${oneLine(err.message)}`)
  })
  log(`found peer ${peerIdFromCID(found.id)} after ${Math.round(performance.now() - started)} ms at ${found.multiaddrs.map(String).join(', ')}`)
}

const nameText = (text: string | undefined): string => (text ?? '').replace(/^\/ipns\//, '')

// #region names
async function resolve ({ node }: Client, text: string | undefined, signal: AbortSignal, log: Log, started: number): Promise<void> {
  const name = nameText(text)
  try {
    for await (const result of namesOf(node).resolve(name, { signal, nocache: true })) {
      log(`resolved /ipns/${name} → ${result.value} (sequence ${result.record.sequence}) after ${Math.round(performance.now() - started)} ms`)
      return
    }
  } catch (err) {
    const reason = (err as Error).name === 'RecordsFailedValidationError' ? await whyRefused(node, name, signal) : (err as Error).message
    throw new Error(`could not resolve /ipns/${name}: ${oneLine(reason)}`)
  }
}

/**
 * @helia/ipns says only that a record "was invalid"; asked again, the validator says why (a signature that
 * is not the name's key, a validity in the past, …): the record is refused either way.
 */
async function whyRefused (node: RoutingNode | DelegatedNode, name: string, signal: AbortSignal): Promise<string> {
  const routingKey = multihashToIPNSRoutingKey(peerIdFromString(name).toMultihash())
  try {
    await ipnsValidator(routingKey, await node.routing.get(routingKey, { signal }))
    return 'the record the network returned was refused, and a second one was valid: try again'
  } catch (err) {
    return `the record the network returned was refused: ${(err as Error).message}`
  }
}

async function publish ({ node }: Client, config: ClientConfig, cid: CID, signal: AbortSignal, log: Log, started: number): Promise<void> {
  const names = namesOf(node)
  const ed25519 = ed25519Crypto()
  const key = existsSync(config.nameKeyFile)
    ? await ed25519.privateKeyFromProtobuf(Buffer.from((await readFile(config.nameKeyFile, 'utf8')).trim(), 'base64'))
    : await ed25519.generatePrivateKey()
  if (!existsSync(config.nameKeyFile)) await writeFile(config.nameKeyFile, Buffer.from(key.toProtobuf()).toString('base64') + '\n', { mode: 0o600 })
  await node.keychain.importKey('name', key)
  // the record the network has now (if any) is cached, so the new one gets the next sequence number
  try {
    for await (const current of names.resolve(key.publicKey, { signal, nocache: true })) log(`the network has sequence ${current.record.sequence} (${current.value})`)
  } catch {
    log('the network has no record for this name yet')
  }
  const published = await names.publish('name', cid, { signal })
  log(`published ${published.name} → /ipfs/${cid} (sequence ${published.record.sequence}) after ${Math.round(performance.now() - started)} ms`)
}
// #endregion

interface Client {
  node: RoutingNode | DelegatedNode
  findProviders: (cid: CID, signal: AbortSignal) => AsyncGenerator<Found & { answers?: number }>
  bootstrapPeer?: string
}

async function createClient (config: ClientConfig, log: Log): Promise<Client> {
  if (config.delegatedRouter !== undefined) {
    const node = await createDelegatedNode(config.delegatedRouter)
    log(`client ${node.libp2p.peerId} asking ${config.delegatedRouter} (Routing V1 HTTP API; no DHT)`)
    return { node, findProviders: (cid, signal) => findProvidersDelegated(node, cid, signal) }
  }
  const node = await createRoutingNode({ mode: 'client', network: config.network, listen: config.listen, bootstrap: config.bootstrap.map(String) })
  log(`DHT client ${node.libp2p.peerId} joining through ${config.bootstrap.join(', ')} (${config.network} DHT)`)
  return { node, findProviders: (cid, signal) => findProviders(node, cid, signal), bootstrapPeer: peerOf(config.bootstrap[0]!).toString() }
}

export async function runClient ([command, argument, out]: string[], config: ClientConfig, log: Log = console.log): Promise<void> {
  if (!COMMANDS.includes(command as Command)) throw new Error(`usage: client <${COMMANDS.join('|')}> <argument> (got "${command ?? ''}")`)
  const started = performance.now()
  const client = await createClient(config, log)
  const signal = AbortSignal.timeout(config.timeoutMs)
  try {
    switch (command as Command) {
      case 'get': await get(client, parseCid(argument), out, signal, log, started); break
      case 'providers': await providers(client, parseCid(argument), signal, log); break
      case 'find-peer': await findPeer(client, argument, signal, log, started); break
      case 'resolve': await resolve(client, argument, signal, log, started); break
      case 'publish': await publish(client, config, parseCid(argument), signal, log, started); break
    }
  } catch (err) {
    if (signal.aborted) throw new Error(`${command} ${argument ?? ''}: nothing within TIMEOUT_MS (${config.timeoutMs} ms): ${oneLine((err as Error).message)}`)
    throw err
  } finally {
    await client.node.stop()
  }
}

if (import.meta.main) {
  try {
    await runClient(process.argv.slice(2), readClientConfig())
    process.exit(0)
  } catch (err) {
    console.error(`client: ${oneLine((err as Error).message)}`)
    process.exit(1)
  }
}
