// A small DHT on loopback for the tests: every node a `src/server.ts` process, as a user runs it, and
// clients as `src/client.ts` processes that know only the bootstrap peer.
import { join } from 'node:path'
import { startProcess, waitForReady, type RoleProcess } from '../../../../scripts/testing/processes.ts'
import type { Ready } from '../src/server.ts'

const exampleDir = join(import.meta.dirname, '..')

export interface Server { role: RoleProcess, ready: Ready }

export async function startServer (label: string, env: Record<string, string> = {}): Promise<Server> {
  const role = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir, label, env: { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', ...env }
  })
  return { role, ready: await waitForReady<Ready>(role, 60_000) }
}

/** A bootstrap server and `servers` more that know only it; `env` goes to every one of them. */
export async function startNetwork (servers: number, env: Record<string, string> = {}) {
  const bootstrap = await startServer('bootstrap', env)
  const BOOTSTRAP = bootstrap.ready.multiaddrs[0]!
  const others = Array.from({ length: servers }, async (_, index) =>
    await startServer(`server-${index + 1}`, { BOOTSTRAP, ...env }))
  return { bootstrap, BOOTSTRAP, servers: await Promise.all(others) }
}

export function startClient (args: string[], env: Record<string, string>): RoleProcess {
  return startProcess(['node', 'src/client.ts', ...args], { cwd: exampleDir, env, label: `client ${args.join(' ')}` })
}
