// The notes app in headless Chromium against the real always-on peer: two pages with allowed identities
// converge (live, both ways); a page whose identity is not in the access controller is refused; with the
// server killed, a page keeps writing, reloads with its notes from IndexedDB, and once the server is back
// (same data, same port) everything syncs both ways and both pages hold the same notes.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { stateOf, textOf, useBrowser } from '../../../../../scripts/testing/browser.ts'
import { tempDir } from '../../../../../scripts/testing/cleanup.ts'
import { startProcess, stopAllProcesses, unusedPort, waitForReady } from '../../../../../scripts/testing/processes.ts'
import { generateIdentityKey } from '../../src/orbitdb.ts'
import type { Page } from 'playwright-core'
import type { Ready } from '../../src/run/server.ts'

const exampleDir = join(import.meta.dirname, '..', '..')
const browser = useBrowser(exampleDir)
afterEach(stopAllProcesses)

async function addNote (page: Page, text: string): Promise<void> {
  await page.fill('#text', text)
  await page.click('#add button')
}
const notesOf = async (page: Page): Promise<string[]> => page.locator('#notes li').allTextContents()
const serverHolds = async (page: Page, entries: number): Promise<void> => {
  await page.locator('#sync', { hasText: `the server holds all ${entries} entries` }).waitFor({ timeout: 60_000 })
}

test('offline-first notes: two allowed pages converge, an unlisted identity is refused, offline writes survive a ' +
  'reload and sync when the server is back', async () => {
  const [alice, bob, mallory] = await Promise.all([generateIdentityKey(), generateIdentityKey(), generateIdentityKey()])
  const port = await unusedPort()
  const serverEnv = {
    DATA_DIR: await tempDir(),
    LISTEN_ADDRS: `/ip4/127.0.0.1/tcp/${port}/ws`,
    WRITERS: `${alice.identityId},${bob.identityId}`
  }
  const startServer = async (): Promise<Ready> => {
    const server = startProcess(['node', 'src/server.ts'], { cwd: exampleDir, label: 'server', env: serverEnv })
    return waitForReady<Ready>(server, 60_000)
  }
  let server = await startServer()
  const open = async (name: string, key: string): Promise<Page> => {
    return browser.open('', { server: server.multiaddrs[0]!, db: server.address, name, identity: key })
  }

  const alicePage = await open('alice', alice.key)
  expect(await stateOf(alicePage, ['synced', 'failed'])).toBe('synced')
  expect(await textOf(alicePage, 'identity')).toBe(alice.identityId)
  await addNote(alicePage, 'milk')
  await serverHolds(alicePage, 1)

  const bobPage = await open('bob', bob.key)
  expect(await stateOf(bobPage, ['synced', 'failed'])).toBe('synced')
  expect(await notesOf(bobPage)).toEqual(['alice: milk'])
  await addNote(bobPage, 'bread')
  await serverHolds(bobPage, 2)
  await alicePage.locator('#notes li', { hasText: 'bob: bread' }).waitFor({ timeout: 30_000 }) // live, over gossipsub

  const malloryPage = await open('mallory', mallory.key)
  expect(await stateOf(malloryPage, ['synced', 'failed'])).toBe('synced')
  await addNote(malloryPage, 'free beer')
  await malloryPage.locator('#error[data-refused="true"]').waitFor({ timeout: 15_000 })
  const refused = `refused: identity ${mallory.identityId} is not in this database's access controller`
  expect(await textOf(malloryPage, 'error')).toBe(refused)

  await stopAllProcesses()
  await alicePage.locator('#state[data-state="offline"]').waitFor({ timeout: 30_000 })
  await bobPage.locator('#state[data-state="offline"]').waitFor({ timeout: 30_000 })
  await addNote(alicePage, 'eggs (offline)')
  await alicePage.locator('#notes li', { hasText: 'eggs (offline)' }).waitFor({ timeout: 15_000 })
  await alicePage.reload()
  expect(await stateOf(alicePage, ['offline', 'synced', 'failed'])).toMatch(/^offline/)
  expect(await notesOf(alicePage)).toEqual(['alice: milk', 'bob: bread', 'alice: eggs (offline)'])
  await addNote(alicePage, 'butter (offline, after a reload)')
  await alicePage.locator('#notes li', { hasText: 'butter' }).waitFor({ timeout: 15_000 })
  await alicePage.close() // alice is away: her two new notes are only in her browser's IndexedDB

  server = await startServer()
  await serverHolds(bobPage, 2) // bob is back first, and in sync with what the server has
  const aliceAgain = await open('alice', alice.key)
  await serverHolds(aliceAgain, 4)
  const everything = ['alice: milk', 'bob: bread', 'alice: eggs (offline)', 'alice: butter (offline, after a reload)']
  // the server passes alice's notes on to bob, who is already connected
  await bobPage.locator('#notes li', { hasText: 'butter' }).waitFor({ timeout: 30_000 })
  expect(await notesOf(aliceAgain)).toEqual(everything)
  expect(await notesOf(bobPage)).toEqual(everything)
  expect(await notesOf(malloryPage)).not.toContain('mallory: free beer')
  await browser.screenshot(aliceAgain, 'screenshot.png')
})
