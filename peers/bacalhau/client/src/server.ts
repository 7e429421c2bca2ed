// The local runner: NOT Bacalhau, but a development stand-in that speaks Bacalhau v1.9.3's API and runs WASM
// batch jobs in-process (Node's WASI, a worker thread per execution), with an IPFS node of its own for ipfs
// inputs and the ipfs publisher. Jobs and results persist in its data directory. `pnpm start:server`.
import { join } from 'node:path'
import { createIpfsNode } from './ipfs.ts'
import { createApiServer } from './runner/api.ts'
import { Runner } from './runner/runner.ts'
import { JobStore } from './runner/store.ts'
import { runServer } from './run/server.ts'
import type { Registry } from 'prom-client'
import type { UrlInputPolicy } from './runner/containment.ts'

export interface RunnerSettings {
  dataDir: string
  apiHost: string
  apiPort: number
  /** How clients reach the API; local results are published under it. Default: the address it listens on. */
  publicUrl: string | undefined
  ipfsListen: string[]
  defaultTimeoutSeconds: number
  /** The longest ExecutionTimeout a job may ask for. */
  maxTimeoutSeconds: number
  inputTimeoutMs: number
  maxConcurrentExecutions: number
  /** The bearer token requests must carry; none: open (loopback only). */
  token: string | undefined
  /** Browser origins that may call the API; none by default. */
  corsOrigins: Set<string>
  /** Origins urlDownload inputs may come from; none by default. */
  urlInputOrigins: Set<string>
  /** The most bytes one URL or inline input may hold. */
  urlInputMaxBytes: number
  /** The most memory one WASM module may have. */
  wasmMaxMemoryMiB: number
}

export interface LocalRunner {
  /** The API's base URL, e.g. http://127.0.0.1:1234 (BACALHAU_API for the client). */
  api: string
  /** The IPFS node's addresses: a client joins one so the runner can fetch its inputs. */
  ipfs: string[]
  store: JobStore
  stop: () => Promise<void>
}

// #region runner
/** `metricsRegistry`: the IPFS node's libp2p metrics go there. */
export async function startRunner (settings: RunnerSettings, metricsRegistry?: Registry): Promise<LocalRunner> {
  const { dataDir, apiHost, apiPort } = settings
  const store = new JobStore(dataDir)
  const ipfs = await createIpfsNode({ dataDir: join(dataDir, 'ipfs'), listen: settings.ipfsListen, metricsRegistry })
  try {
    await store.load()
    let api = ''
    const urlInputs: UrlInputPolicy = {
      allowedOrigins: settings.urlInputOrigins, maxBytes: settings.urlInputMaxBytes, timeoutMs: settings.inputTimeoutMs
    }
    const runner = new Runner({ ...settings, store, ipfs, urlInputs, publicUrl: () => settings.publicUrl ?? api })
    await runner.recover() // executions a previous run left running are recorded as failed
    const server = createApiServer({ runner, store, dataDir, token: settings.token, corsOrigins: settings.corsOrigins })
    server.listen(apiPort, apiHost)
    await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('the API server has no TCP address')
    api = `http://${apiHost.includes(':') ? `[${apiHost}]` : apiHost}:${address.port}`
    const stop = async (): Promise<void> => {
      server.closeAllConnections()
      server.close()
      await runner.close()
      await ipfs.stop()
    }
    return { api, ipfs: ipfs.libp2p.getMultiaddrs().map(String), store, stop }
  } catch (err) {
    await ipfs.stop()
    throw err
  }
}
// #endregion

// The harness (env config, READY, metrics, signals) takes over here: src/run/server.ts.
if (import.meta.main) await runServer(startRunner)
