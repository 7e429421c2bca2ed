// `node src/peer.ts`: the peer role from the environment (src/run/config.ts); prints READY {json} and runs
// until SIGINT/SIGTERM. A start that fails is one line on stderr and exit code 1.
import { readPeerConfig } from './config.ts'
import type { RunningPeer, startPeer } from '../peer.ts'

export async function runPeer (start: typeof startPeer): Promise<void> {
  let peer: RunningPeer | undefined
  const stop = (code: number): void => {
    Promise.resolve(peer?.stop()).catch(() => {}).finally(() => process.exit(code))
  }
  process.once('SIGINT', () => stop(0))
  process.once('SIGTERM', () => stop(0))
  try {
    peer = await start(readPeerConfig())
    console.log(`READY ${JSON.stringify(peer.ready)}`)
  } catch (err) {
    console.error(`peer: ${(err as Error).message.replaceAll('\n', ' ')}`)
    stop(1)
  }
}
