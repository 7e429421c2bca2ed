// The client role: drives a Kubo daemon over its RPC API with kubo-rpc-client.
//   pnpm start:client                     the demo: add a file and a directory, cat, ls, pin, dag get, peers
//   pnpm start:client add <path>          a file or a directory, with progress; prints the root CID
//   pnpm start:client cat <cid>           the file's bytes to stdout
//   pnpm start:client ls <cid>            a directory's entries
//   pnpm start:client pin <cid>           pin (fetching the DAG from connected peers if needed)
//   pnpm start:client dag-get <cid>       the node as JSON
//   pnpm start:client connect <multiaddr> open a connection from Kubo to a peer
//   pnpm start:client peers               Kubo's connected peers
// KUBO_API names the daemon (see src/run/config.ts).
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { create, globSource, type KuboRPCClient } from 'kubo-rpc-client'
import { CID } from 'multiformats/cid'
import { runClient } from './run/client.ts'

export interface ClientConfig {
  /** Kubo's RPC API, e.g. http://127.0.0.1:5001 */
  api: string
  timeoutMs: number
}

type Log = (line: string) => void

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

/** A client whose first call proves the API is there, so a wrong KUBO_API fails with one clear line. */
export async function connect (config: ClientConfig): Promise<KuboRPCClient> {
  const kubo = create({ url: config.api, timeout: config.timeoutMs })
  try {
    await kubo.version({ signal: AbortSignal.timeout(Math.min(config.timeoutMs, 10_000)) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code
    throw new Error(`cannot reach the Kubo RPC API at ${config.api}: ${cause ?? (err as Error).message}`)
  }
  return kubo
}

// #region add
/** Adds a file or a directory tree (names and bytes only: no mode or mtime), reporting bytes as they go. */
export async function add (kubo: KuboRPCClient, path: string, log: Log = console.log): Promise<CID> {
  const info = await stat(path).catch(() => { throw new Error(`no such file or directory: ${path}`) })
  let lastQuarter = -1
  const progress = (bytes: number, file?: string): void => {
    if (info.isFile()) {
      const quarter = Math.floor(bytes / Math.max(info.size, 1) * 4)
      if (quarter !== lastQuarter) log(`  added ${bytes}/${info.size} bytes`)
      lastQuarter = quarter
    } else if (file !== undefined) {
      log(`  added ${bytes} bytes of ${file}`)
    }
  }
  if (info.isFile()) return (await kubo.add({ path: basename(path), content: await readFile(path) }, { progress })).cid
  const name = basename(path)
  let root: CID | undefined
  for await (const entry of kubo.addAll(globSource(dirname(path), `${name}/**/*`, { hidden: true }), { progress })) {
    if (entry.path === name) root = entry.cid
  }
  if (root === undefined) throw new Error(`Kubo returned no root for ${path}`)
  return root
}
// #endregion

export async function cat (kubo: KuboRPCClient, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of kubo.cat(cid)) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export async function ls (kubo: KuboRPCClient, cid: CID) {
  const entries = []
  for await (const { name, type, size, cid: entryCid } of kubo.ls(cid)) {
    entries.push({ name, type, size, cid: entryCid.toString() })
  }
  return entries
}

/** dag get as JSON text: links as {"/": cid}, bytes as {"/": {"bytes": base64}}. */
export async function dagGet (kubo: KuboRPCClient, cid: CID): Promise<string> {
  const { value } = await kubo.dag.get(cid)
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Uint8Array) return { '/': { bytes: Buffer.from(item).toString('base64') } }
    const asCid = CID.asCID(item)
    return asCid === null ? item : { '/': asCid.toString() }
  })
}

export async function demo (config: ClientConfig, inputs: { file: string, directory: string },
  log: Log = console.log): Promise<{ file: string, directory: string }> {
  const kubo = await connect(config)
  const { version } = await kubo.version()
  const { id } = await kubo.id()
  log(`Kubo ${version} ${id} at ${config.api}`)

  const fileCid = await add(kubo, inputs.file, log)
  log(`added ${inputs.file} as ${fileCid}`)
  const original = await readFile(inputs.file)
  const returned = await cat(kubo, fileCid)
  const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16)
  if (!original.equals(returned)) {
    throw new Error(`cat ${fileCid} returned ${returned.byteLength} bytes that differ from ${inputs.file}`)
  }
  log(`cat ${fileCid}: ${returned.byteLength} bytes, sha256 ${digest(returned)}… equal to the file ✓`)

  const directoryCid = await add(kubo, inputs.directory, log)
  log(`added ${inputs.directory} as ${directoryCid}`)
  for (const entry of await ls(kubo, directoryCid)) {
    log(`  ls: ${entry.type.padEnd(4)} ${String(entry.size).padStart(7)} ${entry.name} ${entry.cid}`)
  }
  await kubo.pin.add(directoryCid)
  const pinned = []
  for await (const pin of kubo.pin.ls({ paths: [directoryCid] })) pinned.push(`${pin.cid} (${pin.type})`)
  log(`pinned: ${pinned.join(', ')}`)
  log(`dag get ${directoryCid}: ${(await dagGet(kubo, directoryCid)).slice(0, 160)}…`)
  const peers = await kubo.swarm.peers()
  const listed = peers.map(peer => `\n  ${peer.addr.toString()}/p2p/${peer.peer.toString()}`).join('')
  log(`Kubo is connected to ${peers.length} peer${peers.length === 1 ? '' : 's'}${listed}`)
  return { file: fileCid.toString(), directory: directoryCid.toString() }
}

type Write = (bytes: Uint8Array) => void

/** The commands that take one CID, each printing what Kubo answers. */
const cidCommands = new Map<string, (kubo: KuboRPCClient, cid: CID, log: Log, write: Write) => Promise<void>>([
  ['cat', async (kubo, cid, _log, write) => { write(await cat(kubo, cid)) }],
  ['ls', async (kubo, cid, log) => {
    for (const { type, size, name, cid: entryCid } of await ls(kubo, cid)) log(`${type}\t${size}\t${name}\t${entryCid}`)
  }],
  ['pin', async (kubo, cid, log) => { log(`pinned ${await kubo.pin.add(cid)}`) }],
  ['dag-get', async (kubo, cid, log) => { log(await dagGet(kubo, cid)) }]
])

export async function runCommand (config: ClientConfig, command: string | undefined, args: string[],
  log: Log = console.log, write: Write = bytes => process.stdout.write(bytes)): Promise<void> {
  const cidCommand = cidCommands.get(command ?? '')
  if (cidCommand !== undefined) {
    const cid = parseCid(args[0], `${command} <cid>`)
    await cidCommand(await connect(config), cid, log, write)
    return
  }
  switch (command) {
    case undefined:
    case 'demo': {
      const inputs = { file: join(import.meta.dirname, '..', 'README.md'), directory: import.meta.dirname }
      await demo(config, inputs, log)
      return
    }
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

// env config, one-line errors and the exit code: src/run/client.ts
if (import.meta.main) await runClient(runCommand)
