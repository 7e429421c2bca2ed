// How each role runs as a process: settings from the environment (config.ts), the READY {json} line the
// tests and the dev runner wait for, a clean stop on SIGINT/SIGTERM within a deadline, and any failure as
// one line on stderr with exit code 1.
import { readClientConfig, readPeerConfig, readServerConfig, type ClientConfig, type ServerConfig } from './config.ts'
import { oneLine } from './env.ts'
import type { PeerOptions, RunningPeer } from '../peer.ts'
import type { RunningServer } from '../server.ts'

type Log = (line: string) => void

const STOP_DEADLINE_MS = 10_000

/** The hosting settings in one line, before the server starts. */
function hostingLine (config: ServerConfig): string | undefined {
  const hosting = config.hosting
  if (hosting === undefined) return undefined
  const allowed = hosting.allowPeers.size
  if (allowed === 0) return 'hosting: open to nobody (HOSTING_ALLOW_PEERS is empty)'
  return `hosting: open to ${allowed} peer${allowed === 1 ? '' : 's'} (HOSTING_ALLOW_PEERS), ` +
    `up to ${hosting.maxBytes} bytes and ${hosting.maxBlocks} blocks a request, ` +
    `${hosting.maxConcurrentPerPeer} at once each, blocks in ${config.dataDir!}`
}

export async function runServer (start: (config: ServerConfig, log: Log) => Promise<RunningServer>): Promise<void> {
  let server: RunningServer | undefined
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(server?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: unknown) => {
      console.error(`server: stop failed: ${oneLine(err)}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    const config = readServerConfig()
    const hosting = hostingLine(config)
    if (hosting !== undefined) console.log(hosting)
    server = await start(config, console.log)
    console.log(`READY ${JSON.stringify(server.ready)}`)
    console.log(`DHT server ${server.ready.peerId} is listening on:`)
    for (const address of server.ready.multiaddrs) console.log(`  ${address}`)
    console.log(`join through it: BOOTSTRAP=${server.ready.multiaddrs[0]} pnpm start:client …`)
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}

export async function runCommand (
  run: (args: string[], config: ClientConfig, log: Log) => Promise<void>
): Promise<void> {
  try {
    await run(process.argv.slice(2), readClientConfig(), console.log)
    process.exit(0)
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exit(1)
  }
}

export async function runPeer (start: (config: PeerOptions, log: Log) => Promise<RunningPeer>): Promise<void> {
  let peer: RunningPeer | undefined
  const stop = (code: number): void => {
    Promise.resolve(peer?.stop()).catch((err: unknown) => {
      console.error(`peer: stop failed: ${oneLine(err)}`)
    }).finally(() => process.exit(code))
  }
  process.once('SIGINT', () => stop(0))
  process.once('SIGTERM', () => stop(0))
  try {
    const config = readPeerConfig()
    peer = await start(config, console.log)
    if (config.minPeers > 0) {
      const found = await peer.found
      console.log(`connected to ${found.length} peer${found.length === 1 ? '' : 's'} found by topic`)
      stop(0)
    }
  } catch (err) {
    console.error(`peer: ${oneLine(err)}`)
    stop(1)
  }
}
