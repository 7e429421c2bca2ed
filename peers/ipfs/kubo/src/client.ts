// The client role: drives a Kubo daemon over its RPC API with kubo-rpc-client (the calls: src/rpc.ts).
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
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { add, cat, connect, dagGet, ls, type ClientConfig } from './rpc.ts'
import { runClient } from './run/client.ts'

type Log = (line: string) => void

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16)

// #region demo
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
  if (!original.equals(returned)) {
    throw new Error(`cat ${fileCid} returned ${returned.byteLength} bytes that differ from ${inputs.file}`)
  }
  log(`cat ${fileCid}: ${returned.byteLength} bytes, sha256 ${sha256(returned)}… equal to the file ✓`)

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
// #endregion

/** The demo adds this example's README.md and its src/ folder. */
const ours = { file: join(import.meta.dirname, '..', 'README.md'), directory: import.meta.dirname }

// the commands (the demo when none), env config, one-line errors and the exit code: src/run/client.ts
if (import.meta.main) await runClient((config, log) => demo(config, ours, log))
