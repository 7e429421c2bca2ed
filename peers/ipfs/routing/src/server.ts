// The server role: a DHT server (it answers queries and keeps provider and IPNS records for others) that
// joins through its bootstrap peers, adds a text and announces itself as its provider, and can publish that
// root under its own IPNS name (its peer ID, as Kubo's `self`). `pnpm start:server`; see src/run/config.ts.
import { serveHosting, type HostingLimits } from './hosting.ts'
import { createRoutingNode, namesOf, type RoutingNode, type RoutingNodeOptions } from './node.ts'
import { announce, provideText } from './provide.ts'
import { runServer } from './run/main.ts'

export interface ServerOptions extends Omit<RoutingNodeOptions, 'mode' | 'privateKey'> {
  /** Text to add and provide. */
  provideText?: string
  /** Publish the provided root under this node's IPNS name. */
  publishName: boolean
  /** Keep and announce what the allowed peers ask it to (/liftoff/host/1.0.0); off when undefined. */
  hosting?: HostingLimits
}

/** What the server prints on its READY line. */
export interface Ready {
  peerId: string
  multiaddrs: string[]
  /** The root of the provided text, once announced. */
  cid?: string
  /** The IPNS name it was published under (k51…). */
  name?: string
}

export interface RunningServer { node: RoutingNode, ready: Ready, stop: () => Promise<void> }

type Log = (line: string) => void

const short = (peer: string): string => `…${peer.slice(-6)}`

export async function startServer (options: ServerOptions, log: Log = console.log): Promise<RunningServer> {
  const node = await createRoutingNode({ ...options, mode: 'server' })
  try {
    if (options.hosting !== undefined) {
      await serveHosting(node, {
        limits: options.hosting,
        announce: async (cid, signal) => (await announce(node, cid, signal)).length,
        onHosted: (asker, answer) => log(`hosting request from ${short(asker.toString())}: ${JSON.stringify(answer)}`)
      })
    }
    const ready: Ready = { peerId: node.libp2p.peerId.toString(), multiaddrs: node.libp2p.getMultiaddrs().map(String) }
    if (options.provideText !== undefined) {
      const cid = await provideText(node, options.provideText, log)
      ready.cid = cid.toString()
      if (options.publishName) {
        const published = await namesOf(node).publish('self', cid)
        ready.name = published.name.replace('/ipns/', '')
        log(`published ${published.name} → /ipfs/${cid} (sequence ${published.record.sequence})`)
      }
    }
    return { node, ready, stop: async () => { await node.stop() } }
  } catch (err) {
    await node.stop()
    throw err
  }
}

// the environment (src/run/config.ts), the READY line, signals and the exit code: src/run/main.ts
if (import.meta.main) await runServer(startServer)
