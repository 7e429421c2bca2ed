// The client role: a DHT client that knows one bootstrap peer and finds the rest by asking the DHT.
//   get <cid> [file]   finds a provider, fetches the content from it over bitswap and prints it or writes it
//   providers <cid>    lists every provider the DHT knows
//   find-peer <peer>   finds a peer's addresses by its peer ID alone
//   resolve <name>     resolves an IPNS name (k51… or /ipns/…); the record's signature and validity are checked
//   publish <cid>      publishes /ipfs/<cid> under the name whose key is in the key file (made on first use)
// With a delegated router (a Routing V1 HTTP API, e.g. Kubo's gateway) it joins no DHT and asks that server.
// `pnpm start:client <command> <arg>`; see src/run/config.ts.
import { multiaddr } from '@multiformats/multiaddr'
import { createDelegatedNode } from './delegated.ts'
import { findProviders, findProvidersDelegated } from './find.ts'
import { findPeer, get, parseCid, providers, type Client } from './lookups.ts'
import { publish, resolve } from './names.ts'
import { createRoutingNode, type DhtNetwork } from './node.ts'
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

// the environment (src/run/config.ts), one-line errors and the exit code: src/run/main.ts
if (import.meta.main) await runCommand(runClient)
