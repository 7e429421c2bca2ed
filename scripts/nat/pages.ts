// The NAT example's page (peers/libp2p/nat/web) in Chromium on lab hosts: built once per test file with
// Vite, served inside each host's namespace on its own 127.0.0.1, and opened in a Chromium started in
// that namespace, so the page's traffic leaves through the host's home router like any other.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { build } from 'vite'
import { launchChromium } from '../browsers.ts'
import { onCleanup } from '../testing/cleanup.ts'
import type { LabHost } from '../testing/nat-lab.ts'
import { exampleDir } from './peers.ts'

const PAGE_PORT = 8080
// Chromium's default hides host candidates behind mDNS names; the lab's hosts have nothing to hide and no
// mDNS, so candidates carry their addresses, as the page shows them
const FLAGS = ['--disable-features=WebRtcHideLocalIpsWithMdns']

/** Builds the page into a new temporary folder, for a whole test file (remove it in afterAll). */
export async function buildPages (): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'liftoff-nat-pages-'))
  await build({ configFile: join(exampleDir, 'vite.config.ts'), root: join(exampleDir, 'web'), logLevel: 'error', build: { outDir, emptyOutDir: true } })
  return outDir
}

/** Serves `pages` on the host's 127.0.0.1 and opens the page there in Chromium inside the host's namespace. */
export async function openPage (host: LabHost, pages: string, query: Record<string, string>): Promise<Page> {
  const server = host.start([process.execPath, join(import.meta.dirname, 'serve-pages.ts'), pages, String(PAGE_PORT)], { cwd: import.meta.dirname, label: `${host.name}: pages` })
  await server.waitForLine(/^LISTENING$/)
  const browser = await launchChromium(FLAGS, { namespace: host.namespace })
  onCleanup(`close Chromium on ${host.name}`, async () => browser.close())
  const page = await browser.context.newPage()
  // NAT_PAGE_CONSOLE=1 prints what the page logs (each ICE candidate it gathers, each ICE server error): how
  // the TURN and STUN pitfalls in the example's README were found
  page.on('console', message => { if (process.env.NAT_PAGE_CONSOLE === '1') console.log(`${host.name} console: ${message.text()}`) })
  await page.goto(`http://127.0.0.1:${PAGE_PORT}/index.html?${new URLSearchParams(query).toString()}`)
  return page
}

/** Waits until the page's #state is one of `states` and returns its text. */
export async function pageState (page: Page, states: string[], timeoutMs: number): Promise<string> {
  await page.waitForSelector(states.map(state => `#state[data-state="${state}"]`).join(', '), { timeout: timeoutMs })
  return (await page.textContent('#state')) ?? ''
}

/**
 * A screenshot of `page` as `name`: into the example's git-ignored .screenshots/, or with
 * LIFTOFF_SCREENSHOTS=readme over the README's picture in web/ (as the browser tier's pictures are made).
 */
export async function screenshot (page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(exampleDir, process.env.LIFTOFF_SCREENSHOTS === 'readme' ? 'web' : '.screenshots', name) })
}

export const textOf = async (page: Page, id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? ''
