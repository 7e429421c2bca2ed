// An example's page (its web/) in Chromium on a test host: built once per test file with Vite, served inside
// the host's namespace on its own 127.0.0.1 (a secure context, as WebCrypto and WebRTC want), and opened in
// a Chromium started in that namespace, so the page's traffic goes where the host's does and nowhere else.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { build } from 'vite'
import { launchChromium } from '../lib/launch-chromium.ts'
import { onCleanup } from './cleanup.ts'
import { startProcess } from './processes.ts'

const PAGE_PORT = 8080

/** Builds the example's page into a new temporary folder, for a whole test file (remove it in afterAll). */
export async function buildPages (exampleDir: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'liftoff-lab-pages-'))
  await build({
    configFile: join(exampleDir, 'vite.config.ts'),
    root: join(exampleDir, 'web'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true }
  })
  return outDir
}

export interface LabPageOptions {
  /** Chromium flags, each with its reason at the call. */
  flags?: string[]
  /** Prints what the page logs, prefixed with the host's name. */
  console?: boolean
}

export interface LabBrowser {
  /** A new tab on index.html?query. */
  open: (query: Record<string, string>) => Promise<Page>
}

/** Serves `pages` on the host's 127.0.0.1 and starts a Chromium inside the host's namespace to open them. */
export async function startLabBrowser (
  host: { name: string, namespace: string },
  pages: string,
  options: LabPageOptions = {}
): Promise<LabBrowser> {
  const server = startProcess(
    [
      'ip',
      'netns',
      'exec',
      host.namespace,
      process.execPath,
      join(import.meta.dirname, 'serve-pages.ts'),
      pages,
      String(PAGE_PORT)
    ],
    { cwd: import.meta.dirname, label: `${host.name}: pages` }
  )
  await server.waitForLine(/^LISTENING$/)
  const browser = await launchChromium(options.flags ?? [], { namespace: host.namespace })
  onCleanup(`close Chromium on ${host.name}`, async () => browser.close())
  return {
    open: async query => {
      const page = await browser.context.newPage()
      page.on('console', message => {
        if (options.console === true) console.log(`${host.name} console: ${message.text()}`)
      })
      await page.goto(`http://127.0.0.1:${PAGE_PORT}/index.html?${new URLSearchParams(query).toString()}`)
      return page
    }
  }
}

/** One page on a host: startLabBrowser, then open. */
export async function openLabPage (
  host: { name: string, namespace: string },
  pages: string,
  query: Record<string, string>,
  options: LabPageOptions = {}
): Promise<Page> {
  return (await startLabBrowser(host, pages, options)).open(query)
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
export async function labScreenshot (exampleDir: string, page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: join(exampleDir, process.env.LIFTOFF_SCREENSHOTS === 'readme' ? 'web' : '.screenshots', name)
  })
}

export const textOf = async (page: Page, id: string): Promise<string> => (await page.textContent(`#${id}`)) ?? ''
