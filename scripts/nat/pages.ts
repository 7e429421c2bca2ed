// The NAT example's page (peers/libp2p/nat/web) in Chromium on lab hosts (scripts/testing/lab-pages.ts), so
// the page's traffic leaves through the host's home router like any other.
import type { Page } from 'playwright-core'
import { buildPages as buildExamplePages, labScreenshot, openLabPage } from '../testing/lab-pages.ts'
import type { LabHost } from '../testing/nat-lab.ts'
import { exampleDir } from './peers.ts'

export { pageState, textOf } from '../testing/lab-pages.ts'

// Chromium's default hides host candidates behind mDNS names; the lab's hosts have nothing to hide and no
// mDNS, so candidates carry their addresses, as the page shows them
const FLAGS = ['--disable-features=WebRtcHideLocalIpsWithMdns']

export const buildPages = async (): Promise<string> => buildExamplePages(exampleDir)

// NAT_PAGE_CONSOLE=1 prints what the page logs (each ICE candidate it gathers, each ICE server error): how
// the TURN and STUN pitfalls in the example's README were found
export const openPage = async (host: LabHost, pages: string, query: Record<string, string>): Promise<Page> =>
  openLabPage(host, pages, query, { flags: FLAGS, console: process.env.NAT_PAGE_CONSOLE === '1' })

export const screenshot = async (page: Page, name: string): Promise<void> => labScreenshot(exampleDir, page, name)
