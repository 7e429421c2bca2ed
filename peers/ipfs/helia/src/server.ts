// The server role: a Helia node that serves blocks over bitswap, pins what the peers it allows ask it to
// (src/pinning.ts), imports, pins and publishes SERVE_PATH under its IPNS name (src/names.ts), and answers
// trustless-gateway HTTP requests (src/gateway.ts). `pnpm start:server` runs it (src/run/ reads the env).
import { unixfs } from '@helia/unixfs'
import type { PrivateKey } from '@libp2p/interface'
import { drain, importPath } from './files.ts'
import { startGateway, type Gateway } from './gateway.ts'
import { publishName } from './names.ts'
import { createNode, type Node, type NodeOptions } from './node.ts'
import { servePins, type PinLimits, type PinResponse } from './pinning.ts'
import { runServer } from './run/server.ts'

export interface ServerOptions {
  /** The node's settings; its key also signs the IPNS record. */
  node: NodeOptions & { privateKey: PrivateKey }
  /** A file or directory to import, pin and publish at start-up. */
  servePath?: string
  gateway: { host: string, port: number }
  pins: PinLimits
  onPin?: (response: PinResponse) => void
}

export interface Server {
  helia: Node
  gateway: Gateway
  /** SERVE_PATH's root CID and the IPNS name it is published under. */
  cid?: string
  name?: string
  stop: () => Promise<void>
}

// #region start
export async function startServer (options: ServerOptions, log: (line: string) => void): Promise<Server> {
  const helia = await createNode(options.node)
  try {
    await servePins(helia, {
      limits: options.pins,
      onPin: (peer, response) => {
        options.onPin?.(response)
        log(`pin request from ${peer}: ${JSON.stringify(response)}`)
      }
    })
    helia.libp2p.addEventListener('connection:open', ({ detail }) => {
      log(`connection from ${detail.remotePeer} via ${detail.remoteAddr}`)
    })

    let cid: string | undefined
    let name: string | undefined
    if (options.servePath !== undefined) {
      const started = performance.now()
      const root = await importPath(unixfs(helia), options.servePath)
      if (!(await helia.pins.isPinned(root))) await drain(helia.pins.add(root))
      cid = root.toString()
      log(`imported and pinned ${options.servePath} as ${cid} in ${Math.round(performance.now() - started)} ms`)
      const published = await publishName(helia, options.node.privateKey, root)
      name = `/ipns/${published.name}`
      log(`published ${name} → /ipfs/${cid} (sequence ${published.sequence})`)
    }
    const gateway = await startGateway(helia, options.gateway.host, options.gateway.port)
    const stop = async (): Promise<void> => {
      await gateway.close()
      await helia.stop()
    }
    return { helia, gateway, cid, name, stop }
  } catch (err) {
    await helia.stop()
    throw err
  }
}
// #endregion

// env config, identity file, metrics, the READY line and signals: src/run/server.ts
if (import.meta.main) await runServer(startServer)
