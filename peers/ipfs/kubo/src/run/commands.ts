// The client's command line: `node src/client.ts [command args]` parsed and dispatched to src/rpc.ts,
// each command printing what Kubo answers; no command runs the demo.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { add, cat, connect, dagGet, ls, type ClientConfig } from '../rpc.ts'

type Log = (line: string) => void
type Write = (bytes: Uint8Array) => void
export type Demo = (config: ClientConfig, log: Log) => Promise<unknown>

export function parseCid (text: string | undefined, usage: string): CID {
  if (text === undefined) throw new Error(`usage: client ${usage}`)
  try {
    return CID.parse(text)
  } catch (err) {
    throw new Error(`malformed CID "${text}": ${(err as Error).message}`)
  }
}

export function parseMultiaddr (text: string | undefined): Multiaddr {
  if (text === undefined) throw new Error('usage: client connect <multiaddr>')
  try {
    return multiaddr(text)
  } catch (err) {
    throw new Error(`malformed multiaddr "${text}": ${(err as Error).message}`)
  }
}

/** The commands that take one CID, each printing what Kubo answers. */
const cidCommands = new Map<string, (kubo: KuboRPCClient, cid: CID, log: Log, write: Write) => Promise<void>>([
  ['cat', async (kubo, cid, _log, write) => { write(await cat(kubo, cid)) }],
  ['ls', async (kubo, cid, log) => {
    for (const { type, size, name, cid: entryCid } of await ls(kubo, cid)) log(`${type}\t${size}\t${name}\t${entryCid}`)
  }],
  ['pin', async (kubo, cid, log) => { log(`pinned ${await kubo.pin.add(cid)}`) }],
  ['dag-get', async (kubo, cid, log) => { log(await dagGet(kubo, cid)) }]
])

export async function runCommand (config: ClientConfig, command: string | undefined, args: string[], demo: Demo,
  log: Log = console.log, write: Write = bytes => process.stdout.write(bytes)): Promise<void> {
  const cidCommand = cidCommands.get(command ?? '')
  if (cidCommand !== undefined) {
    const cid = parseCid(args[0], `${command} <cid>`)
    await cidCommand(await connect(config), cid, log, write)
    return
  }
  switch (command) {
    case undefined:
    case 'demo':
      await demo(config, log)
      return
    case 'add': {
      if (args[0] === undefined) throw new Error('usage: client add <path>')
      log(String(await add(await connect(config), args[0], log)))
      return
    }
    case 'connect': {
      const address = parseMultiaddr(args[0])
      await (await connect(config)).swarm.connect(address)
      log(`connected to ${address}`)
      return
    }
    case 'peers': {
      for (const peer of await (await connect(config)).swarm.peers()) {
        log(`${peer.addr.toString()}/p2p/${peer.peer.toString()}`)
      }
      return
    }
    default:
      throw new Error(`unknown command "${command}"; commands: add cat ls pin dag-get connect peers (none: the demo)`)
  }
}
