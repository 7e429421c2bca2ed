// The browser pages as `docker compose up` serves them: each web service on its published 127.0.0.1 port,
// opened in headless Chromium at `/` (which sends the page to its ready-made query), against the example's
// server in its container through the server's published ports.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { launchChromium } from '../lib/launch-chromium.ts'
import { stateOf, textOf } from '../testing/browser.ts'
import type { Page } from 'playwright-core'
import { compose } from '../testing/docker.ts'

let browser: Awaited<ReturnType<typeof launchChromium>>

beforeAll(async () => {
  await compose(['down', '--volumes', '--remove-orphans'])
  await compose(['up', '--build', '--detach', '--wait', 'libp2p-v3-web', 'ipfs-helia-web', 'orbitdb-v4-web'], 900_000)
  browser = await launchChromium()
}, 900_000)
afterAll(async () => {
  await browser?.close()
  await compose(['down', '--volumes', '--remove-orphans'])
}, 120_000)

/** Opens a published page and waits until its state is one of `settled` (the first a success, the last 'failed'). */
async function openSettled (url: string, settled: string[]): Promise<{ page: Page, state: string }> {
  const page = await browser.context.newPage()
  await page.goto(url)
  return { page, state: await stateOf(page, settled) }
}

test('libp2p 3 (http://127.0.0.1:8111): the page dials the server in ' +
  'its container and runs identify, ping, messages and echo', async () => {
  const { page, state } = await openSettled('http://127.0.0.1:8111/', ['done', 'failed'])
  expect(state).toBe('done')
  expect(await textOf(page, 'echo')).toBe('262144 bytes sent, 262144 returned, intact ✓')
  await page.close()
})

test('Helia (http://127.0.0.1:8201): the page fetches seed/ ' +
  'over bitswap and through the published gateway', async () => {
  const { page, state } = await openSettled('http://127.0.0.1:8201/', ['done', 'failed'])
  expect(state).toBe('done')
  expect(await page.locator('#files li').count()).toBe(2)
  expect(await textOf(page, 'gateway')).toMatch(/^hello\.txt: the same bytes from http:\/\/127\.0\.0\.1:9280 .* ✓$/)
  await page.close()
})

test('OrbitDB 4 (http://127.0.0.1:8311): the notes app syncs ' +
  'with the server and writes as the demo writer', async () => {
  const { page, state } = await openSettled('http://127.0.0.1:8311/', ['synced', 'failed'])
  expect(state).toBe('synced')
  await page.fill('#text', 'written in a browser, kept by a container')
  await page.click('#add button')
  await page.locator('#sync', { hasText: 'the server holds all 1 entries' }).waitFor({ timeout: 60_000 })
  await page.close()
})
