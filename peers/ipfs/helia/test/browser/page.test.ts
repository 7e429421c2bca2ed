// The Helia page in headless Chromium against the real Helia server: the seed directory over bitswap via
// WebSockets (every file's SHA-256 equal to the file on disk), one file again through the server's
// trustless gateway with @helia/verified-fetch, then a reload with the server stopped opens the same
// content from IndexedDB. Keeps a screenshot for the README.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { stateOf, textOf, useBrowser } from '../../../../../scripts/testing/browser.ts'
import { tempDir } from '../../../../../scripts/testing/cleanup.ts'
import { startProcess, stopAllProcesses, waitForReady } from '../../../../../scripts/testing/processes.ts'
import type { Ready } from '../../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const browser = useBrowser(exampleDir)
afterEach(stopAllProcesses)

const seedFiles = ['hello.txt', 'notes/why-cids.md']
const sha256Of = async (path: string): Promise<string> => createHash('sha256').update(await readFile(join(exampleDir,
  'seed', path))).digest('hex')

test('the page fetches the seed directory over bitswap into IndexedDB, checks one file through the trustless ' +
  'gateway, and opens it offline after a reload', async () => {
  const server = startProcess(['node', 'src/server.ts'], {
    cwd: exampleDir,
    label: 'server',
    env: {
      DATA_DIR: await tempDir(),
      LISTEN_ADDRS: '/ip4/127.0.0.1/tcp/0/ws',
      GATEWAY_LISTEN: '127.0.0.1:0',
      SERVE_PATH: join(exampleDir, 'seed')
    }
  })
  const ready = await waitForReady<Ready>(server)
  const query = { server: ready.multiaddrs[0]!, gateway: ready.gateway, cid: String(ready.cid) }
  const expected = await Promise.all(seedFiles.map(async path => `${path} · ${(await readFile(join(exampleDir, 'seed',
    path))).byteLength} bytes · sha256 ${await sha256Of(path)}`))

  const page = await browser.open('', query)
  expect(await stateOf(page, ['done', 'failed'])).toBe('done')
  expect(await textOf(page, 'source')).toContain(`bitswap from ${ready.peerId} via ${query.server}`)
  expect(await page.locator('#files li').allTextContents()).toEqual(expected)
  expect(await textOf(page, 'progress')).toMatch(/ · \d+ ms$/)
  const helloHash = (await sha256Of('hello.txt')).slice(0, 16)
  expect(await textOf(page, 'gateway'))
    .toMatch(new RegExp(`^hello\\.txt: the same bytes from ${query.gateway} \\(sha256 ${helloHash}…\\) ✓$`))
  const pagePeer = await textOf(page, 'peer')
  expect(server.stdout.some(line => line.startsWith('connection from') && line.includes(pagePeer))).toBe(true)
  await browser.screenshot(page, 'screenshot.png')

  server.child.kill('SIGKILL')
  await server.exited
  await page.reload()
  expect(await stateOf(page, ['done', 'failed'])).toBe('done')
  expect(await textOf(page, 'source')).toMatch(/^IndexedDB only: the server is unreachable/)
  expect(await page.locator('#files li').allTextContents()).toEqual(expected)
  expect(await textOf(page, 'gateway')).toBe('–')
})
