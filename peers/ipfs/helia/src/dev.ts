// `pnpm dev`: the whole example on loopback. Seeds a small directory, starts the server on it (random free
// ports, a throw-away data dir, pinning allowed for the client's key alone), fetches it with `client get`,
// uploads a file with `client add` (the server pins it), and checks one block from the HTTP gateway against
// its CID. Lines are prefixed with their role.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Ready } from './server.ts'

const sourceDir = import.meta.dirname

function startRole (label: string, args: string[], env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: join(sourceDir, '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const output of [child.stdout, child.stderr]) {
    if (output === null) continue
    createInterface({ input: output }).on('line', line => {
      console.log(`${label.padEnd(7)} │ ${line}`)
      onLine?.(line)
    })
  }
  return child
}

async function exitCode (child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'exit') as [number | null]
  return code ?? 1
}

async function runClient (args: string[], env: Record<string, string>): Promise<void> {
  const code = await exitCode(startRole('client', ['src/client.ts', ...args], env))
  if (code !== 0) throw new Error(`client ${args[0]} exited with code ${code}`)
}

const workDir = await mkdtemp(join(tmpdir(), 'liftoff-helia-dev-'))
const site = join(workDir, 'site')
await mkdir(join(site, 'data'), { recursive: true })
await writeFile(join(site, 'index.html'), '<h1>Served by Helia over bitswap</h1>\n')
await writeFile(join(site, 'data', 'random.bin'), randomBytes(3 * 1024 * 1024))
await writeFile(join(workDir, 'upload.txt'), `uploaded at ${new Date().toISOString()}\n`)

// the client's identity, and the server's allow-list naming it: the server pins for nobody else
const clientKey = await generateKeyPair('Ed25519')
const clientPeer = peerIdFromPrivateKey(clientKey).toString()

const started = performance.now()
let failed = false
const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
const server = startRole('server', ['src/server.ts'], {
  DATA_DIR: join(workDir, 'server-data'),
  SERVE_PATH: site,
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
  GATEWAY_LISTEN: '127.0.0.1:0',
  PIN_ALLOW_PEERS: clientPeer
}, line => {
  if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready)
})
try {
  const { multiaddrs, cid, gateway } = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  if (cid === undefined) throw new Error('server READY line has no cid')
  const clientEnv = { SERVER_ADDR: multiaddrs[0]!, PRIVATE_KEY: Buffer.from(privateKeyToProtobuf(clientKey)).toString('base64') }
  await runClient(['get', cid, join(workDir, 'download')], clientEnv)
  await runClient(['add', join(workDir, 'upload.txt')], clientEnv)

  const response = await fetch(`${gateway}/ipfs/${cid}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
  const block = new Uint8Array(await response.arrayBuffer())
  const digest = await sha256.digest(block)
  const matches = Buffer.from(digest.digest).equals(Buffer.from(CID.parse(cid).multihash.digest))
  console.log(`gateway │ GET ${gateway}/ipfs/${cid} (raw): ${response.status}, ${block.byteLength} bytes, sha256 ${matches ? 'matches the CID ✓' : 'DOES NOT match the CID'}`)
  if (!matches) throw new Error('gateway block does not match its CID')
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  server.kill('SIGTERM')
  if (await exitCode(server) !== 0) failed = true
  await rm(workDir, { recursive: true, force: true })
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
