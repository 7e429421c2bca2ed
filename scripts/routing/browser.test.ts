// The routing example's page (peers/ipfs/routing/web) in Chromium on a test host of its own, with the private
// DHT around it: the page joins no DHT and asks Kubo's Routing V1 API who provides a CID and what a name
// points to; what the page adds, Kubo can find only once a server has fetched it and announced it.
import { rm } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { buildPages, labScreenshot, pageState, startLabBrowser, textOf } from '../testing/lab-pages.ts'
import { createHost } from '../testing/netns.ts'
import { terminateAllProcesses } from '../testing/processes.ts'
import { exampleDir, startDht, startHeliaServer } from './lab.ts'

// the authoring page's key (a test key), and its peer ID on the server's HOSTING_ALLOW_PEERS
const PAGE_KEY = 'CAESQJBntCh8Tj/8Z+cCh0LvDcjtczGDnOJnJBgFZ9/NLsC5EHkdsUpahTkXu9abVjtdqCJwuhHSK+SkhK42tvytsWg='
const PAGE_PEER = '12D3KooWAvfonufMsb7LVt4wEyE5GKVf7hMK8vt5PAD2NY5CyZD1'

afterEach(terminateAllProcesses)

let pages = ''
beforeAll(async () => { pages = await buildPages(exampleDir) }, 120_000)
afterAll(async () => { await rm(pages, { recursive: true, force: true }) })

test("a page with only Kubo's Routing V1 URL finds the provider of a CID, fetches it over WebSockets and resolves " +
  'its name; what it adds reaches Kubo through a server that hosts it', async () => {
  const dht = await startDht()
  const text = `provided for a page at ${Date.now()}`
  const provider = await startHeliaServer(
    'provider',
    {
      BOOTSTRAP: dht.BOOTSTRAP,
      PROVIDE_TEXT: text,
      PUBLISH_NAME: '1',
      ACCEPT_HOSTING: '1',
      DATA_DIR: await tempDir(),
      HOSTING_ALLOW_PEERS: PAGE_PEER
    },
    { websockets: true }
  )
  const kubo = dht.kubo[0]!
  const browser = await startLabBrowser(createHost('page'), pages)

  const finder = await browser.open({ router: kubo.gateway, cid: provider.ready.cid!, name: provider.ready.name! })
  expect(await pageState(finder, ['done', 'failed'], 60_000)).toBe('done')
  expect(await textOf(finder, 'provider')).toContain(
    `${provider.ready.peerId} at /ip4/${provider.host.address}/tcp/4002/ws`
  )
  expect(await textOf(finder, 'connection')).toBe(
    `connected to ${provider.ready.peerId} via /ip4/${provider.host.address}/tcp/4002/ws/p2p/${provider.ready.peerId}`
  )
  expect(await textOf(finder, 'content')).toBe(text)
  expect(await textOf(finder, 'name')).toMatch(
    new RegExp(`^/ipns/${provider.ready.name!} → /ipfs/${provider.ready.cid!} \\(sequence 1\\)`)
  )
  await labScreenshot(exampleDir, finder, 'screenshot.png')

  // alone, the page's content is out of Kubo's reach: no provider record names anyone who has it
  const alone = await browser.open({ text: `only in a page at ${Date.now()}` })
  expect(await pageState(alone, ['added', 'failed'], 30_000)).toBe('added in this page only: nobody else can find it')
  const unreachable = await textOf(alone, 'added')
  expect(kubo.ipfs(['routing', 'findprovs', '--num-providers=1', '--timeout=5s', unreachable]).trim()).toBe('')

  const authored = `written in a page at ${Date.now()}`
  const author = await browser.open({
    text: authored,
    server: provider.ready.multiaddrs.find(address => address.includes('/ws/'))!,
    key: PAGE_KEY
  })
  expect(await pageState(author, ['done', 'failed'], 90_000)).toBe('done')
  expect(await textOf(author, 'peer')).toBe(PAGE_PEER)
  const cid = await textOf(author, 'added')
  expect(await textOf(author, 'hosted')).toMatch(
    new RegExp(
      `^${provider.ready.peerId} fetched 1 block from this page and announced ${cid} to [1-9]\\d* DHT servers? after`
    )
  )
  await author.close() // the page is gone: Kubo can get the text only from the server that hosts it
  const other = dht.kubo[2]!
  expect(other.ipfs(['routing', 'findprovs', '--num-providers=1', cid]).trim()).toBe(provider.ready.peerId)
  expect(other.ipfs(['cat', cid])).toBe(authored)
})
