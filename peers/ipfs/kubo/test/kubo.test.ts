// The example as a user runs it: a real Kubo daemon (KUBO_BINARY or the repo's .tools/ build) started by
// src/server.ts, and the TypeScript client against its RPC API, as separate processes.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { create } from 'kubo-rpc-client'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../../../../scripts/testing/cleanup.ts'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import {
  expectExit, expectStop, startProcess, terminateAllProcesses, unusedPort, waitForReady
} from '../../../../scripts/testing/processes.ts'
import type { Ready } from '../src/server.ts'

const exampleDir = join(import.meta.dirname, '..')
const hashOf = (cid: CID): string => base58btc.encode(cid.multihash.bytes)

afterEach(terminateAllProcesses)

async function startKubo (env: Record<string, string> = {}) {
  const dataDir = env.DATA_DIR ?? await tempDir('liftoff-kubo-test-')
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir,
    label: 'kubo server',
    env: {
      DATA_DIR: dataDir,
      API_LISTEN: '127.0.0.1:0',
      GATEWAY_LISTEN: '127.0.0.1:0',
      LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws',
      ...env
    }
  })
  return { server, ready: await waitForReady<Ready>(server, 60_000), dataDir }
}

function runClient (args: string[], env: Record<string, string>) {
  return startProcess(['node', 'src/client.ts', ...args], { cwd: exampleDir, env, label: `client ${args.join(' ')}` })
}

async function clientOutput (args: string[], env: Record<string, string>): Promise<string> {
  const client = runClient(args, env)
  await expectExit(client, 0)
  return client.stdout.join('\n')
}

test('the demo adds a file and a directory with Kubo\'s default import settings (CIDv0), reads them back, pins, ' +
  'the gateway serves the file, and Kubo\'s own metrics count it', async () => {
  const { server, ready } = await startKubo()
  expect(ready.version).toMatch(/^0\.\d+\.\d+$/)
  expect(ready.multiaddrs.some(address => address.includes('/ws/'))).toBe(true)
  const before = await scrapeMetrics(ready.metrics)
  const output = await clientOutput([], { KUBO_API: ready.api })
  // Kubo's own metrics count the demo's RPC calls and the blocks it stored
  const after = await scrapeMetrics(ready.metrics)
  const apiCalls = (text: string): number => sampleValue(text, 'ipfs_http_requests_total') ?? 0
  expect(apiCalls(after) - apiCalls(before)).toBeGreaterThanOrEqual(5)
  const puts = (sample: typeof after): number => sampleValue(sample, 'ipfs_fsrepo_datastore_put_total') ?? 0
  expect(puts(after)).toBeGreaterThan(puts(before))
  expect(output).toMatch(/cat \w+: \d+ bytes, sha256 \w+… equal to the file ✓/)
  expect(output).toMatch(/pinned: Qm\w+ \(recursive\)/)
  expect(output).toMatch(/ls: file +\d+ client\.ts Qm\w+/)
  const fileCid = /README\.md as (\S+)/.exec(output)![1]!
  const response = await fetch(`${ready.gateway}/ipfs/${fileCid}`)
  expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(join(exampleDir, 'README.md')))).toBe(true)
  await expectStop(server, 'SIGTERM')
})

test('each command on its own: add with progress, cat, ls, pin, dag-get; ' +
  'IMPORT_PROFILE=unixfs-v1-2025 gives CIDv1 and raw leaves', async () => {
  const dir = await tempDir()
  const { ready } = await startKubo({ IMPORT_PROFILE: 'unixfs-v1-2025' })
  const env = { KUBO_API: ready.api }
  const file = join(dir, 'big.bin')
  await writeFile(file, randomBytes(3 * 1024 * 1024 + 5))
  const added = await clientOutput(['add', file], env)
  expect(added).toMatch(/added 3145733\/3145733 bytes/)
  const cid = added.split('\n').at(-1)!
  const cat = runClient(['cat', cid], env)
  const chunks: Buffer[] = []
  cat.child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk))
  await expectExit(cat, 0)
  expect(Buffer.concat(chunks).equals(await readFile(file))).toBe(true)

  const tree = join(dir, 'tree')
  await mkdir(join(tree, 'nested'), { recursive: true })
  await writeFile(join(tree, 'a.txt'), 'alpha\n')
  await writeFile(join(tree, 'nested', 'b.txt'), 'beta\n')
  const treeCid = (await clientOutput(['add', tree], env)).split('\n').at(-1)!
  expect(await clientOutput(['ls', treeCid], env)).toMatch(/^file\t6\ta\.txt\tbafk\w+\ndir\t\d+\tnested\tbafy\w+$/)
  expect(await clientOutput(['pin', treeCid], env)).toBe(`pinned ${treeCid}`)
  const node = JSON.parse(await clientOutput(['dag-get', treeCid], env)) as { Links: Array<{ Name: string }> }
  expect(node.Links.map(link => link.Name)).toEqual(['a.txt', 'nested'])
})

test('two Kubo daemons: connect over TCP and over WebSockets, peers lists each other, content moves', async () => {
  const first = await startKubo()
  const dir = await tempDir()
  const file = join(dir, 'shared.bin')
  await writeFile(file, randomBytes(1024 * 1024))
  const cid = (await clientOutput(['add', file], { KUBO_API: first.ready.api })).split('\n').at(-1)!
  for (const address of first.ready.multiaddrs) {
    const second = await startKubo() // a fresh daemon per transport, so no earlier connection is reused
    expect(await clientOutput(['connect', address], { KUBO_API: second.ready.api })).toBe(`connected to ${address}`)
    expect((await clientOutput(['peers'], { KUBO_API: second.ready.api })).split('\n')).toContain(address)
    expect(await clientOutput(['pin', cid], { KUBO_API: second.ready.api })).toBe(`pinned ${cid}`)
  }
})

test('a restarted daemon keeps its peer ID and its pins: a garbage collection after the restart removes ' +
  'the unpinned block and keeps the pinned one', async () => {
  const first = await startKubo()
  const kubo = create({ url: first.ready.api })
  const pinned = (await kubo.add('kept across restarts\n', { pin: false })).cid
  const unpinned = (await kubo.add('left to the garbage collector\n', { pin: false })).cid
  expect(await clientOutput(['pin', pinned.toString()], { KUBO_API: first.ready.api })).toBe(`pinned ${pinned}`)
  await expectStop(first.server, 'SIGTERM')

  const again = await startKubo({ DATA_DIR: first.dataDir })
  expect(again.ready.peerId).toBe(first.ready.peerId)
  const restarted = create({ url: again.ready.api })
  const pins: string[] = []
  for await (const pin of restarted.pin.ls({ paths: [pinned] })) pins.push(`${pin.cid} ${pin.type}`)
  expect(pins).toEqual([`${pinned} recursive`])
  // Kubo keys its blockstore by multihash, so gc and refs name blocks as raw CIDv1s: compare the hashes
  const removed: string[] = []
  for await (const result of restarted.repo.gc()) if (result.cid !== undefined) removed.push(hashOf(result.cid))
  expect(removed).toContain(hashOf(unpinned))
  expect(removed).not.toContain(hashOf(pinned))
  const held: string[] = []
  for await (const ref of restarted.refs.local()) held.push(hashOf(CID.parse(ref.ref)))
  expect(held).toContain(hashOf(pinned))
  expect(held).not.toContain(hashOf(unpinned))
  expect(await clientOutput(['cat', pinned.toString()], { KUBO_API: again.ready.api })).toBe('kept across restarts')
})

test.each([
  ['a malformed CID', ['cat', 'Qm-not-a-cid'], /^client: malformed CID "Qm-not-a-cid"/],
  ['a malformed multiaddr', ['connect', '/ip4/1.2.3.4/tcp'], /^client: malformed multiaddr "\/ip4\/1\.2\.3\.4\/tcp"/],
  ['an unknown command', ['put', 'x'], /^client: unknown command "put"/]
])('%s exits non-zero with a one-line error', async (_case, args, message) => {
  const client = runClient(args, { KUBO_API: 'http://127.0.0.1:1' })
  await expectExit(client, 1)
  expect(client.stderr).toEqual([expect.stringMatching(message)])
})

test('an unreachable API, a missing file and a missing binary are one line each', async () => {
  const api = `http://127.0.0.1:${await unusedPort()}`
  const unreachable = runClient(['peers'], { KUBO_API: api })
  await expectExit(unreachable, 1)
  expect(unreachable.stderr).toEqual([`client: cannot reach the Kubo RPC API at ${api}: ECONNREFUSED`])

  const { ready } = await startKubo()
  const missing = runClient(['add', '/nonexistent/liftoff.txt'], { KUBO_API: ready.api })
  await expectExit(missing, 1)
  expect(missing.stderr).toEqual(['client: no such file or directory: /nonexistent/liftoff.txt'])

  const noBinary = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir, env: { DATA_DIR: await tempDir(), KUBO_BINARY: '/nonexistent/ipfs' }
  })
  await expectExit(noBinary, 1)
  const noKubo = /^server: no Kubo binary at "\/nonexistent\/ipfs": run `node scripts\/real-peers\.ts kubo`/
  expect(noBinary.stderr).toEqual([expect.stringMatching(noKubo)])
})
