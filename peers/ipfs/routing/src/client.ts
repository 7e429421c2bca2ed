// The client role: a DHT client that knows one bootstrap peer and finds the rest by asking the DHT.
//   get <cid> [file]   finds a provider, fetches the content from it over bitswap and prints it or writes it
//   providers <cid>    lists every provider the DHT knows
//   find-peer <peer>   finds a peer's addresses by its peer ID alone
//   resolve <name>     resolves an IPNS name (k51… or /ipns/…); the record's signature and validity are checked
//   publish <cid>      publishes /ipfs/<cid> under the name whose key is in the key file (made on first use)
// With a delegated router (a Routing V1 HTTP API, e.g. Kubo's gateway) it joins no DHT and asks that server.
// `pnpm start:client <command> <arg>`; see src/run/config.ts.
import { writeFile } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { createDelegatedNode, type DelegatedNode } from './delegated.ts'
import { findProviders, findProvidersDelegated, type Found } from './find.ts'
import { publish, resolve } from './names.ts'
import { createRoutingNode, type DhtNetwork, type RoutingNode } from './node.ts'
import { runCommand } from './run/main.ts'

export interface ClientOptions {
  network: DhtNetwork
  listen: string[]
  /** Peers to join through, each `…/p2p/<peer id>`. */
  bootstrap: string[]
  /** A Routing V1 HTTP API to ask instead of joining the DHT. */
  delegatedRouter?: string
  timeoutMs: number
  /** Where `publish` keeps its name's key. */
  nameKeyFile: string
}

export type Log = (line: string) => void

const COMMANDS = ['get', 'providers', 'find-peer', 'resolve', 'publish'] as const
type Command = typeof COMMANDS[number]

/** Content up to this size that is text is printed. */
const MAX_PRINTED_BYTES = 1024
const short = (peer: string): string => `…${peer.slice(-6)}`
const since = (started: number): string => `${Math.round(performance.now() - started)} ms`

interface Client {
  node: RoutingNode | DelegatedNode
  findProviders: (cid: CID, signal: AbortSignal) => AsyncGenerator<Found>
  bootstrapPeer?: string
}

/** Who told us, in words. */
function source ({ toldBy, answers }: Found, bootstrapPeer: string | undefined): string {
  if (answers === undefined) return toldBy
  const who = toldBy === bootstrapPeer
    ? 'the bootstrap peer'
    : `${short(toldBy)}, which the search reached from the bootstrap peer`
  return `${who} (${answers} DHT answer${answers === 1 ? '' : 's'} so far)`
}

async function get (client: Client, cid: CID, out: string | undefined, signal: AbortSignal, log: Log, started: number) {
  const { node } = client
  // eslint-disable-next-line no-unreachable-loop -- the first provider is enough
  for await (const found of client.findProviders(cid, signal)) {
    const at = found.addresses.join(', ') || 'no address (none kept for this network)'
    const told = source(found, client.bootstrapPeer)
    log(`found provider ${found.provider} after ${since(started)}: told by ${told}, at ${at}`)
    const chunks: Uint8Array[] = []
    for await (const chunk of unixfs(node).cat(cid, { signal })) chunks.push(chunk)
    const bytes = Buffer.concat(chunks)
    const connected = node.libp2p.getConnections().some(({ remotePeer }) => remotePeer.toString() === found.provider)
    log(`fetched ${bytes.length} bytes of ${cid} after ${since(started)}, every block checked against its CID` +
      (connected ? ` (connected to the provider ${short(found.provider)})` : ''))
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

async function findPeer ({ node }: Client, text: string, signal: AbortSignal, log: Log, started: number) {
  let peer
  try {
    peer = peerIdFromString(text)
  } catch {
    throw new Error(`"${text}" is not a peer ID`)
  }
  const found = await node.routing.findPeer(peer.toCID(), { signal }).catch((err: Error) => {
    throw new Error(`${peer} not found: ${err.message}`)
  })
  log(`found peer ${peerIdFromCID(found.id)} after ${since(started)} at ${found.multiaddrs.map(String).join(', ')}`)
}

async function createClient (options: ClientOptions, log: Log): Promise<Client> {
  if (options.delegatedRouter !== undefined) {
    const node = await createDelegatedNode(options.delegatedRouter)
    log(`client ${node.libp2p.peerId} asking ${options.delegatedRouter} (Routing V1 HTTP API; no DHT)`)
    return { node, findProviders: (cid, signal) => findProvidersDelegated(node, cid, signal) }
  }
  const node = await createRoutingNode({ ...options, mode: 'client' })
  log(`DHT client ${node.libp2p.peerId} joining through ${options.bootstrap.join(', ')} (${options.network} DHT)`)
  const bootstrapPeer = multiaddr(options.bootstrap[0]!).getComponents().findLast(({ name }) => name === 'p2p')!.value
  return { node, findProviders: (cid, signal) => findProviders(node, cid, signal), bootstrapPeer }
}

function parseCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch {
    throw new Error(`"${text}" is not a CID`)
  }
}

export async function runClient ([command, argument = '', out]: string[], options: ClientOptions, log = console.log) {
  if (!COMMANDS.includes(command as Command)) {
    throw new Error(`usage: client <${COMMANDS.join('|')}> <argument> (got "${command ?? ''}")`)
  }
  const started = performance.now()
  const client = await createClient(options, log)
  const { node } = client
  const signal = AbortSignal.timeout(options.timeoutMs)
  try {
    switch (command as Command) {
      case 'get': await get(client, parseCid(argument), out, signal, log, started); break
      case 'providers': await providers(client, parseCid(argument), signal, log); break
      case 'find-peer': await findPeer(client, argument, signal, log, started); break
      case 'resolve': await resolve(node, argument, signal, log, started); break
      case 'publish': await publish(node, options.nameKeyFile, parseCid(argument), signal, log, started); break
    }
  } catch (err) {
    if (!signal.aborted) throw err
    const reason = (err as Error).message
    throw new Error(`${command} ${argument}: nothing within TIMEOUT_MS (${options.timeoutMs} ms): ${reason}`)
  } finally {
    await node.stop()
  }
}

if (import.meta.main) await runCommand(runClient)
