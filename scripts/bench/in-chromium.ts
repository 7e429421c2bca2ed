// In headless Chromium (scripts/lib/launch-chromium.ts), beside a Node client in the same run: libp2p 3 echo over
// WebSockets from the example's page to the Node server, and a 10 MiB Helia fetch over bitswap (WebSockets)
// by the Helia page into IndexedDB. Each case is the median of several runs with min and max; every browser
// run starts Chromium on a fresh profile, so nothing is cached in IndexedDB.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { createServer, type ViteDevServer } from 'vite'
import { createNode as createHeliaNode } from '../../peers/ipfs/helia/src/node.ts'
import { importPath } from '../../peers/ipfs/helia/src/files.ts'
import { echo } from '../../peers/libp2p/v3/src/echo.ts'
import { createNode as createLibp2pNode } from '../../peers/libp2p/v3/src/node.ts'
import { serveEcho } from '../../peers/libp2p/v3/src/echo.ts'
import { serveMessages } from '../../peers/libp2p/v3/src/messages.ts'
import { launchChromium } from '../lib/launch-chromium.ts'
import { MiB, mibPerSecond, percentile, rawTcpThroughput, round, type BenchResult, type Scale } from './measure.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

async function pages (example: string): Promise<ViteDevServer> {
  const root = join(repoRoot, example)
  const vite = await createServer({
    configFile: join(root, 'vite.config.ts'),
    root: join(root, 'web'),
    logLevel: 'error',
    server: { port: 0 }
  })
  await vite.listen()
  return vite
}

/** Opens `url` in a fresh Chromium, waits for #state done, and returns the page's own timing (data-ms of `timed`). */
async function pageRun (url: string, timed: string): Promise<number> {
  const browser = await launchChromium()
  try {
    const page = await browser.context.newPage()
    await page.goto(url)
    await page.waitForSelector('#state[data-state="done"], #state[data-state="failed"]', { timeout: 300_000 })
    const state = await page.textContent('#state')
    if (state !== 'done') throw new Error(`${url}: ${state}`)
    return Number(await page.getAttribute(`#${timed}`, 'data-ms'))
  } finally {
    await browser.close()
  }
}

function summary (bench: string, name: string, bytes: number, samples: number[], raw: number): BenchResult {
  const rates = samples.map(ms => mibPerSecond(bytes, ms))
  const value = round(percentile(rates, 0.5))
  return {
    bench,
    case: `${name} (median of ${samples.length})`,
    value,
    unit: 'MiB/s',
    baseline: raw,
    ratio: round(value / raw, 3),
    detail: { min: Math.min(...rates), max: Math.max(...rates) }
  }
}

export async function benchBrowser (scale: Scale): Promise<BenchResult[]> {
  const bench = 'browser'
  const runs = scale === 'full' ? 5 : 1
  const echoBytes = scale === 'full' ? 16 * MiB : 256 * 1024
  const fileBytes = scale === 'full' ? 10 * MiB : 512 * 1024
  const raw = await rawTcpThroughput(fileBytes, 1, MiB)
  const results: BenchResult[] = [{ bench, case: 'raw TCP, 1 connection, 1 MiB writes', value: raw, unit: 'MiB/s' }]

  // libp2p 3: the example's protocols on one server, a Node client and the page
  const server = await createLibp2pNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
  await serveEcho(server)
  await serveMessages(server) // the page checks for both liftoff protocols before it echoes
  const v3Pages = await pages('peers/libp2p/v3')
  try {
    const address = server.getMultiaddrs()[0]!
    const node: number[] = []
    const payload = new Uint8Array(randomBytes(echoBytes))
    for (let run = 0; run < runs; run++) {
      const client = await createLibp2pNode()
      try {
        await client.dial(address)
        const started = performance.now()
        const returned = await echo(client, address, payload)
        node.push(performance.now() - started)
        if (returned.byteLength !== echoBytes) {
          throw new Error(`echo returned ${returned.byteLength} of ${echoBytes} bytes`)
        }
      } finally {
        await client.stop()
      }
    }
    const browser: number[] = []
    const query = new URLSearchParams({ server: address.toString(), echo: String(echoBytes) })
    const url = `${v3Pages.resolvedUrls!.local[0]!}?${query}`
    for (let run = 0; run < runs; run++) browser.push(await pageRun(url, 'echo'))
    const size = `${echoBytes / MiB} MiB`
    results.push(summary(bench, `libp2p 3 echo of ${size} over WebSockets, Node client`, echoBytes, node, raw))
    results.push(summary(bench, `libp2p 3 echo of ${size} over WebSockets, browser page`, echoBytes, browser, raw))
  } finally {
    await v3Pages.close()
    await server.stop()
  }

  // Helia: one file, a fresh Node client per run and a fresh browser profile per run
  const work = await mkdtemp(join(tmpdir(), 'liftoff-bench-browser-'))
  const helia = await createHeliaNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
  const heliaPages = await pages('peers/ipfs/helia')
  try {
    await writeFile(join(work, 'file.bin'), randomBytes(fileBytes))
    const cid = await importPath(unixfs(helia), join(work, 'file.bin'))
    const address = helia.libp2p.getMultiaddrs()[0]!
    const node: number[] = []
    for (let run = 0; run < runs; run++) {
      const client = await createHeliaNode()
      try {
        await client.libp2p.dial(address)
        const started = performance.now()
        let bytes = 0
        for await (const chunk of unixfs(client).cat(cid)) bytes += chunk.byteLength
        node.push(performance.now() - started)
        if (bytes !== fileBytes) throw new Error(`fetched ${bytes} of ${fileBytes} bytes`)
      } finally {
        await client.stop()
      }
    }
    const browser: number[] = []
    const query = new URLSearchParams({ server: address.toString(), cid: cid.toString() })
    const url = `${heliaPages.resolvedUrls!.local[0]!}?${query}`
    for (let run = 0; run < runs; run++) browser.push(await pageRun(url, 'progress'))
    const size = `${round(fileBytes / MiB, 1)} MiB`
    results.push(
      summary(
        bench, `Helia: ${size} file over bitswap/WebSockets, Node client (memory blockstore)`, fileBytes, node, raw
      )
    )
    results.push(
      summary(
        bench, `Helia: ${size} file over bitswap/WebSockets, browser page (IndexedDB, SHA-256 of the file included)`,
        fileBytes, browser, raw
      )
    )
  } finally {
    await heliaPages.close()
    await helia.stop()
    await rm(work, { recursive: true, force: true })
  }
  return results
}
