// `ipfs daemon` as a child process: started on a prepared repo, ready when it says "Daemon is ready",
// stopped with SIGINT (Kubo's own clean shutdown).
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { kuboEnv, type RepoConfig } from './repo.ts'

export interface Daemon {
  process: ChildProcess
  /** Where the RPC API and the gateway listen, as http:// URLs. */
  api: string
  gateway: string
  /** Sends SIGINT and waits for the daemon to exit. */
  stop: () => Promise<void>
}

type Log = (line: string) => void

/** `/ip4/127.0.0.1/tcp/5001` → `http://127.0.0.1:5001` */
function httpUrl (address: string): string {
  const match = /^\/ip([46])\/([^/]+)\/tcp\/(\d+)/.exec(address)
  if (match === null) throw new Error(`Kubo listens on ${address}, not an IP/TCP address`)
  return `http://${match[1] === '6' ? `[${match[2]}]` : match[2]}:${match[3]}`
}

// #region daemon
export async function startDaemon (config: RepoConfig, timeoutMs: number, log: Log): Promise<Daemon> {
  const daemon = spawn(config.binary, ['daemon', '--migrate=false'],
    { env: kuboEnv(config), stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>(resolve => daemon.once('close', resolve))
  const stop = async (): Promise<void> => {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGINT')
    await exited
  }
  // Kubo says where its API and gateway listen (port 0: the ones it picked), then that it is ready.
  const output: string[] = []
  let api: string | undefined
  let gateway: string | undefined
  const { promise: started, resolve: onStarted, reject: onFailed } = Promise.withResolvers<void>()
  for (const stream of [daemon.stdout, daemon.stderr]) {
    createInterface({ input: stream }).on('line', line => {
      output.push(line)
      log(`kubo: ${line}`)
      api ??= /^RPC API server listening on (\S+)/.exec(line)?.[1]
      gateway ??= /^Gateway server listening on (\S+)/.exec(line)?.[1]
      if (line === 'Daemon is ready') onStarted()
    })
  }
  exited.then(code => {
    const why = output.filter(line => /error|fail/i.test(line)).slice(-1)[0] ?? output.slice(-1)[0] ?? 'no output'
    onFailed(new Error(`the Kubo daemon exited (${code}) before it was ready: ${why}`))
  }, onFailed)
  const timer = setTimeout(() => {
    onFailed(new Error(`the Kubo daemon was not ready within ${timeoutMs} ms`))
  }, timeoutMs)
  try {
    await started
    if (api === undefined || gateway === undefined) {
      throw new Error('the Kubo daemon did not say where its API and gateway listen')
    }
    return { process: daemon, api: httpUrl(api), gateway: httpUrl(gateway), stop }
  } catch (err) {
    await stop()
    throw err
  } finally {
    clearTimeout(timer)
  }
}
// #endregion
