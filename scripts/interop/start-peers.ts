// The peers of the interop suite, each started the way a user starts it (`node src/server.ts` of its example,
// configured by environment variables) on random loopback ports with a throw-away data directory.
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { expect } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { expectExitCode, printed, startProcess, waitForReady, type RoleProcess } from '../testing/processes.ts'

export const peersDir = join(import.meta.dirname, '..', '..', 'peers')
export const ANY_PORTS = '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'

export interface KuboReady {
  peerId: string
  multiaddrs: string[]
  api: string
  gateway: string
  version: string
  privateNetwork: boolean
}
export interface HeliaReady {
  peerId: string
  multiaddrs: string[]
  gateway: string
  cid?: string
  name?: string
}
export interface Libp2pReady {
  peerId: string
  multiaddrs: string[]
}

export interface Started<T> {
  role: RoleProcess
  ready: T
  dataDir: string
}

async function startServer<T> (example: string, label: string, env: Record<string, string>): Promise<Started<T>> {
  const dataDir = env.DATA_DIR ?? (await tempDir(`liftoff-${label.replace(/\W+/g, '-')}-`))
  const role = startProcess(['node', 'src/server.ts'], {
    cwd: join(peersDir, example),
    label,
    env: { DATA_DIR: dataDir, ...env }
  })
  return { role, ready: await waitForReady<T>(role, 60_000), dataDir }
}

/** Kubo's example server: a real Kubo daemon. */
export async function startKubo (env: Record<string, string> = {}): Promise<Started<KuboReady>> {
  return startServer<KuboReady>('ipfs/kubo', 'kubo', {
    API_LISTEN: '127.0.0.1:0',
    GATEWAY_LISTEN: '127.0.0.1:0',
    LISTEN_ADDRS: ANY_PORTS,
    ...env
  })
}

export async function startHeliaServer (env: Record<string, string> = {}): Promise<Started<HeliaReady>> {
  return startServer<HeliaReady>('ipfs/helia', 'helia server', {
    GATEWAY_LISTEN: '127.0.0.1:0',
    LISTEN_ADDRS: ANY_PORTS,
    ...env
  })
}

export async function startLibp2pServer (
  version: 'v1' | 'v3',
  env: Record<string, string> = {}
): Promise<Started<Libp2pReady>> {
  return startServer<Libp2pReady>(`libp2p/${version}`, `libp2p ${version} server`, { LISTEN_ADDRS: ANY_PORTS, ...env })
}

/** Runs an example's client to its end; resolves with its exit and output. */
export async function runClient (
  example: string,
  args: string[],
  env: Record<string, string> = {}
): Promise<{ label: string, code: number | null, stdout: string, stderr: string[] }> {
  const client = startProcess(['node', 'src/client.ts', ...args], {
    cwd: join(peersDir, example),
    env,
    label: `${example} client ${args.join(' ')}`
  })
  const exit = await client.exited
  return { label: client.label, code: exit.code, stdout: client.stdout.join('\n'), stderr: client.stderr }
}

/** `add <path>` with the Kubo example's client: the CID it printed last, once the client exited 0 and it parses. */
export async function addWithKubo (kubo: Started<KuboReady>, path: string): Promise<string> {
  const added = await runClient('ipfs/kubo', ['add', path], { KUBO_API: kubo.ready.api })
  expectExitCode(added, 0)
  const cid = added.stdout.split('\n').at(-1)!
  expect(() => CID.parse(cid), printed(added)).not.toThrow()
  return cid
}

/** Relative path → bytes (directories as null), for comparing trees. */
export async function readTree (root: string): Promise<Record<string, string | null>> {
  if ((await stat(root)).isFile()) return { '.': (await readFile(root)).toString('base64') }
  const tree: Record<string, string | null> = {}
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    tree[path.slice(root.length + 1)] = entry.isDirectory() ? null : (await readFile(path)).toString('base64')
  }
  return tree
}

/** A 10 MiB file beside a nested directory with small files, under one root. */
export async function contentTree (
  parent: string,
  fileBytes = 10 * 1024 * 1024
): Promise<{ root: string, bigFile: string }> {
  const root = join(parent, 'content')
  await mkdir(join(root, 'docs', 'deeper'), { recursive: true })
  const bigFile = join(root, 'big.bin')
  await writeFile(bigFile, randomBytes(fileBytes))
  await writeFile(join(root, 'README.txt'), 'served to and from Kubo\n')
  await writeFile(join(root, 'empty.txt'), '')
  await writeFile(join(root, 'docs', 'notes.md'), '# notes\n')
  await writeFile(join(root, 'docs', 'deeper', 'blob.bin'), randomBytes(1024 * 1024 + 17))
  return { root, bigFile }
}
