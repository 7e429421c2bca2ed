// `pnpm dev`: the whole example on loopback. Starts a Kubo daemon (random free ports, a throw-away repo),
// runs the client's demo against it (add a file and a directory, cat, ls, pin, dag get, peers), then
// fetches the file back from Kubo's gateway. Lines are prefixed with their role.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Ready } from '../server.ts'
import { exitCode, startRole } from './roles.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const workDir = await mkdtemp(join(tmpdir(), 'liftoff-kubo-dev-'))
const started = performance.now()
let failed = false
const { promise: ready, resolve: onReady } = Promise.withResolvers<Ready>()
const server = startRole('server', ['src/server.ts'], {
  DATA_DIR: join(workDir, 'kubo'),
  API_LISTEN: '127.0.0.1:0',
  GATEWAY_LISTEN: '127.0.0.1:0',
  LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws'
}, line => {
  if (line.startsWith('READY ')) onReady(JSON.parse(line.slice('READY '.length)) as Ready)
})
try {
  const { api, gateway } = await Promise.race([
    ready,
    exitCode(server).then(code => { throw new Error(`server exited with code ${code} before it was ready`) })
  ])
  const lines: string[] = []
  const client = startRole('client', ['src/client.ts'], { KUBO_API: api }, line => lines.push(line))
  if (await exitCode(client) !== 0) throw new Error('the client demo failed')
  const fileCid = /^added \S+README\.md as (\S+)$/.exec(lines.find(line => /README\.md as /.test(line)) ?? '')?.[1]
  if (fileCid === undefined) throw new Error('the client did not print the README\'s CID')
  const response = await fetch(`${gateway}/ipfs/${fileCid}`)
  const body = Buffer.from(await response.arrayBuffer())
  const same = body.equals(await readFile(join(exampleDir, 'README.md')))
  console.log(`gateway    │ GET ${gateway}/ipfs/${fileCid}: ${response.status}, ${body.byteLength} bytes, ` +
    (same ? 'equal to README.md ✓' : 'DIFFERENT from README.md'))
  if (!same) throw new Error('the gateway returned other bytes')
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
