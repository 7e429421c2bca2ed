// The browser tier's fixture: an example's pages served by Vite (its vite.config.ts, web/ as root) and
// headless Debian Chromium on a fresh profile directory, both for the whole test file. Pages opened with
// `open` are closed after each test. A missing Chromium is one line naming the package.
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll } from 'vitest'
import { chromiumPath, launchChromium } from '../lib/launch-chromium.ts'
import { onCleanup } from './cleanup.ts'

export interface BrowserFixture {
  /** The page's URL under Vite, e.g. url('webrtc.html', { relay }). */
  url: (page: string, query?: Record<string, string>) => string
  /** A new tab, closed after the test. */
  open: (page: string, query?: Record<string, string>) => Promise<Page>
  /** The browser profile (its IndexedDB survives reloads, not test files). */
  context: () => BrowserContext
  /**
   * A screenshot of `page` as `name`: into the example's git-ignored .screenshots/, or, when
   * LIFTOFF_SCREENSHOTS=readme (`node scripts/liftoff.mjs screenshots`), over the README's picture in web/.
   */
  screenshot: (page: Page, name: string) => Promise<void>
}

/** Call at the top level of a test file; `extraFlags` adds Chromium flags (each needs its reason at the call). */
export function useBrowser (exampleDir: string, extraFlags: string[] = []): BrowserFixture {
  chromiumPath() // fails the file at once, in one line, when there is no Chromium
  let vite: ViteDevServer | undefined
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined
  let context: BrowserContext | undefined

  beforeAll(async () => {
    vite = await createServer({
      configFile: join(exampleDir, 'vite.config.ts'),
      root: join(exampleDir, 'web'),
      logLevel: 'error',
      server: { port: 0 }
    })
    await vite.listen()
    browser = await launchChromium(extraFlags)
    context = browser.context
  })
  afterAll(async () => {
    await browser?.close()
    await vite?.close()
  })

  const url = (page: string, query: Record<string, string> = {}): string => {
    if (vite === undefined) throw new Error('useBrowser: Vite is not running yet')
    const search = new URLSearchParams(query).toString()
    return `${vite.resolvedUrls!.local[0]!}${page}${search === '' ? '' : `?${search}`}`
  }
  return {
    url,
    open: async (page, query) => {
      if (context === undefined) throw new Error('useBrowser: Chromium is not running yet')
      const tab = await context.newPage()
      onCleanup(`close ${page}`, () => tab.close())
      await tab.goto(url(page, query))
      return tab
    },
    context: () => {
      if (context === undefined) throw new Error('useBrowser: Chromium is not running yet')
      return context
    },
    screenshot: async (page, name) => {
      const dir = join(exampleDir, process.env.LIFTOFF_SCREENSHOTS === 'readme' ? 'web' : '.screenshots')
      await page.screenshot({ path: join(dir, name) })
    }
  }
}

/** Waits until the page's #state has one of `states` (data-state) and returns its text. */
export async function stateOf (page: Page, states: string[], timeoutMs = 60_000): Promise<string> {
  await page.waitForSelector(states.map(state => `#state[data-state="${state}"]`).join(', '), { timeout: timeoutMs })
  return (await page.textContent('#state')) ?? ''
}

export async function textOf (page: Page, id: string): Promise<string> {
  return (await page.textContent(`#${id}`)) ?? ''
}
