// `pnpm dev`: the whole example on loopback. Seeds a small directory, starts the server on it (random free
// ports, a throw-away data dir, pinning allowed for the client's key alone), fetches it with `client get`,
// uploads a file with `client add` (the server pins it), and checks one block from the HTTP gateway against
// its CID. Lines are prefixed with their role.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { exitCode, runToEnd, startRole } from './roles.ts'
import type { Ready } from './server.ts'

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
  const PRIVATE_KEY = Buffer.from(privateKeyToProtobuf(clientKey)).toString('base64')
  const clientEnv = { SERVER_ADDR: multiaddrs[0]!, PRIVATE_KEY }
  await runToEnd('client', ['src/client.ts', 'get', cid, join(workDir, 'download')], clientEnv)
  await runToEnd('client', ['src/client.ts', 'add', join(workDir, 'upload.txt')], clientEnv)

  const response = await fetch(`${gateway}/ipfs/${cid}`, { headers: { Accept: 'application/vnd.ipld.raw' } })
  const block = new Uint8Array(await response.arrayBuffer())
  const digest = await sha256.digest(block)
  const matches = Buffer.from(digest.digest).equals(Buffer.from(CID.parse(cid).multihash.digest))
  console.log(`gateway    │ GET ${gateway}/ipfs/${cid} (raw): ${response.status}, ${block.byteLength} bytes, ` +
    `sha256 ${matches ? 'matches the CID ✓' : 'DOES NOT match the CID'}`)
  if (!matches) throw new Error('gateway block does not match its CID')
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  server.kill('SIGTERM')
  if (await exitCode(server) !== 0) failed = true
  await rm(workDir, { recursive: true, force: true })
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
