// Every example's server as its own process, as `pnpm start:server` runs it: spawn → READY line, its RSS
// once ready (idle), then after its own client has run against it several times (the example's demo
// work: echo and messages, a directory over bitswap, documents written and synced, a compute job).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { startProcess, unusedPort, waitForReady, type RoleProcess } from '../testing/processes.ts'
import { memoryMiB, round, type BenchResult, type Scale } from './measure.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

interface ServerReady { multiaddrs?: string[], cid?: string, address?: string, api?: string, ipfs?: string[] }

interface ExampleServer {
  example: string
  serverEnv: (dataDir: string) => Promise<Record<string, string>>
  /** One client run against the ready server: the command and its environment. */
  client: (ready: ServerReady, run: number, dataDir: string) => { args: string[], env: Record<string, string> }
}

const loopback = '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'
let writer: { key: string, identityId: string } | undefined
const orbitdb = (example: string): ExampleServer => ({
  example,
  serverEnv: async () => {
    writer ??= await generateIdentityKey()
    return { LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0', WRITERS: writer.identityId }
  },
  client: (ready, run, dataDir) => ({
    args: ['src/client.ts'],
    env: {
      SERVER_ADDR: ready.multiaddrs![0]!,
      DB_ADDRESS: ready.address!,
      IDENTITY_KEY: writer!.key,
      CLIENT_NAME: `bench-${run}`,
      DATA_DIR: join(dataDir, `client-${run}`),
      WRITES: '20'
    }
  })
})

const EXAMPLES: ExampleServer[] = [
  {
    example: 'peers/libp2p/v1',
    serverEnv: async () => ({ LISTEN_ADDRS: loopback }),
    client: ready => ({ args: ['src/client.ts'], env: { SERVER_ADDR: ready.multiaddrs![0]! } })
  },
  {
    example: 'peers/libp2p/v3',
    serverEnv: async () => ({ LISTEN_ADDRS: loopback }),
    client: ready => ({ args: ['src/client.ts'], env: { SERVER_ADDR: ready.multiaddrs![0]! } })
  },
  {
    example: 'peers/ipfs/helia',
    serverEnv: async () => ({
      LISTEN_ADDRS: loopback,
      GATEWAY_LISTEN: '127.0.0.1:0',
      SERVE_PATH: join(repoRoot, 'peers/ipfs/helia/seed')
    }),
    client: (ready, run, dataDir) => ({
      args: ['src/client.ts', 'get', ready.cid!, join(dataDir, `get-${run}`)],
      env: { SERVER_ADDR: ready.multiaddrs![0]! }
    })
  },
  orbitdb('peers/orbitdb/v2'),
  orbitdb('peers/orbitdb/v4'),
  {
    example: 'peers/bacalhau/client',
    serverEnv: async () => ({ API_LISTEN: `127.0.0.1:${await unusedPort()}`, IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }),
    client: ready => ({ args: ['src/client.ts'], env: { BACALHAU_API: ready.api!, IPFS_PEER: ready.ipfs![0]! } })
  }
]

async function stop (role: RoleProcess): Promise<void> {
  const exit = await role.stop('SIGTERM')
  if (exit.code !== 0) throw new Error(`server exited with ${exit.code ?? exit.signal}: ${role.stderr.join(' ')}`)
}

export async function benchServers (scale: Scale): Promise<BenchResult[]> {
  const clientRuns = scale === 'full' ? 10 : 1
  const results: BenchResult[] = []
  for (const example of EXAMPLES) {
    const cwd = join(repoRoot, example.example)
    const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-bench-server-'))
    try {
      const started = performance.now()
      const server = startProcess(['node', 'src/server.ts'], {
        cwd,
        label: `${example.example} server`,
        env: { DATA_DIR: join(dataDir, 'server'), ...(await example.serverEnv(dataDir)) }
      })
      try {
        const ready = await waitForReady<ServerReady>(server, 60_000)
        const readyMs = performance.now() - started
        const idle = await memoryMiB(server.child.pid!)
        for (let run = 0; run < clientRuns; run++) {
          const { args, env } = example.client(ready, run, dataDir)
          const client = startProcess(['node', ...args], { cwd, label: `${example.example} client`, env })
          const exit = await client.exited
          if (exit.code !== 0) {
            throw new Error(
              `${example.example} client exited with ${exit.code ?? exit.signal}: ${client.stderr.join(' ')}`
            )
          }
        }
        const after = await memoryMiB(server.child.pid!)
        const bench = 'servers'
        results.push(
          { bench, case: `${example.example}: server start → READY`, value: round(readyMs, 0), unit: 'ms' },
          { bench, case: `${example.example}: server RSS, idle after READY`, value: idle, unit: 'MiB' },
          { bench, case: `${example.example}: server RSS after ${clientRuns} client runs`, value: after, unit: 'MiB' }
        )
      } finally {
        await stop(server)
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }
  return results
}
