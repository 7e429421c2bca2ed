// Headless Chromium inside lab hosts (one browser per host, started in its namespace): the NAT example's page
// to another page and to the example's Node peers, across the lab's routers, with coturn on the wan as STUN
// and TURN server. Each page shows which ICE candidate pair carries its connection; the tests read it.
import { rm } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { createLab, type Lab, type NatKind } from '../testing/nat-lab.ts'
import { terminateAllProcesses } from '../testing/processes.ts'
import { expectOutcome } from './outcomes.ts'
import { buildPages, openPage, pageState, screenshot, textOf } from './pages.ts'
import { PORT, startCoturn, startListener, startRelay } from './peers.ts'

afterEach(terminateAllProcesses)

let pages = ''
beforeAll(async () => { pages = await buildPages() }, 120_000)
afterAll(async () => { await rm(pages, { recursive: true, force: true }) })

interface Network { lab: Lab, relayWs: string, relayTcp: string, stun: string, turn: string, stunName: string }

async function network (): Promise<Network> {
  const lab = createLab()
  const [relay, ice] = await Promise.all([
    startRelay(lab.addPublicHost('relay')),
    startCoturn(lab, lab.addPublicHost('stun'))
  ])
  const relayWs = relay.ready.multiaddrs.find(address => address.includes('/ws/'))
  if (relayWs === undefined) {
    throw new Error(`the relay announces no WebSockets address: ${relay.ready.multiaddrs.join(' ')}`)
  }
  // pages get coturn's address, Node peers its name (see startCoturn)
  return { lab, relayWs, relayTcp: relay.address, stun: ice.stunLiteral, turn: ice.turnLiteral, stunName: ice.stun }
}

/** A page listening through the relay in one home and a page dialling it from another; the dialling page's state. */
async function pageToPage (
  kind: NatKind,
  ice: (network: Network) => string,
  deadlineMs = 15_000,
  picture?: string
): Promise<{ state: string, pair: string, listenerLog: string }> {
  const net = await network()
  const listener = await openPage(net.lab.addHome('a', kind).addHost('page-a'), pages, {
    relay: net.relayWs,
    ice: ice(net)
  })
  await pageState(listener, ['listening'], 30_000)
  const address = await textOf(listener, 'address')
  expect(address).toMatch(/\/p2p-circuit\/webrtc\/p2p\/\w+$/)
  const dialler = await openPage(net.lab.addHome('b', kind).addHost('page-b'), pages, {
    peer: address,
    ice: ice(net),
    deadline: String(deadlineMs)
  })
  const state = await pageState(dialler, ['connected', 'failed'], deadlineMs + 15_000)
  if (!state.startsWith('connected')) return { state, pair: '', listenerLog: '' }
  await dialler.waitForSelector('#log li')
  expect(await textOf(dialler, 'log')).toContain('answer: "echo: hello from the page"')
  await listener.waitForSelector('#log li')
  if (picture !== undefined) await screenshot(dialler, picture)
  return { state, pair: await textOf(dialler, 'pair'), listenerLog: await textOf(listener, 'log') }
}

const result = (state: string, pair: string): 'direct' | 'relayed' | 'no path' =>
  state.startsWith('failed')
    ? 'no path'
    : pair.startsWith('relay ') || pair.includes(' ⇄ relay ')
      ? 'relayed'
      : 'direct'

test("page ↔ page behind endpoint-independent NATs with STUN: ICE pairs the routers' mapped addresses and the pages " +
  'talk directly', async () => {
  const { state, pair, listenerLog } = await pageToPage('endpoint-independent', net => net.stun, 15_000, 'page.png')
  expect(state).toBe('connected: direct over webrtc')
  expect(pair).toMatch(/^(srflx|prflx) .* ⇄ (srflx|prflx) .* \(udp\)$/)
  expect(listenerLog).toContain(': hello from the page')
  expectOutcome('chromiumEim', result(state, pair), `candidate pair ${pair}`)
})

test('page ↔ page behind endpoint-independent NATs without STUN or ' +
  'TURN: no path, said in one line within the deadline', async () => {
  const { state } = await pageToPage('endpoint-independent', () => '', 8000)
  expect(state).toMatch(
    new RegExp(String.raw`^failed: no WebRTC path to the peer after \d+ ms: ICE found no candidate pair that works ` +
      String.raw`\(no STUN or TURN server: only host candidates, which a NAT hides; [^\n]*\)$`)
  )
  expectOutcome('chromiumNoIce', result(state, ''), state)
})

test('page ↔ page behind symmetric NATs: with STUN alone no path; with coturn ' +
  'as TURN relay (long-term credentials) connected through it', async () => {
  const stunOnly = await pageToPage('symmetric', net => net.stun, 10_000)
  expect(stunOnly.state).toMatch(
    new RegExp(String.raw`^failed: no WebRTC path to the peer after \d+ ms: ICE found no candidate pair that works ` +
      String.raw`\(with stun:\[[\w:]+\]:3478; `)
  )
  expectOutcome('chromiumSymmetricStun', result(stunOnly.state, ''), stunOnly.state)
  const { state, pair } = await pageToPage('symmetric', net => `${net.stun},${net.turn}`)
  expect(state).toBe('connected: direct over webrtc')
  expect(pair).toMatch(/(^relay |⇄ relay )/)
  expectOutcome('chromiumSymmetricTurn', result(state, pair), `candidate pair ${pair}`)
})

test('page ↔ Node listener in another home, WebRTC with STUN: ' +
  "direct, and the listener's greeting reaches the page", async () => {
  const net = await network()
  const listener = await startListener(net.lab.addHome('b', 'endpoint-independent').addHost('listener'), net.relayTcp, {
    ICE_SERVERS: net.stunName
  })
  // through the relay's WebSockets address, which a page can dial (the listener's reservation is over TCP)
  const page = await openPage(net.lab.addHome('a', 'endpoint-independent').addHost('page'), pages, {
    peer: `${net.relayWs}/p2p-circuit/webrtc/p2p/${listener.ready.peerId}`,
    ice: net.stun
  })
  const state = await pageState(page, ['connected', 'failed'], 30_000)
  expect(state).toBe('connected: direct over webrtc')
  await page.waitForSelector('#log li:has-text("hello from the listener")', { timeout: 15_000 })
  const pair = await textOf(page, 'pair')
  expect(pair).toMatch(/^(srflx|prflx) .* ⇄ (srflx|prflx) /)
  await listener.role.waitForLine(/: hello from the page$/)
  expectOutcome('chromiumNode', result(state, pair), `candidate pair ${pair}`)
})

test('page behind NAT ↔ public Node listener over WebSockets: direct, messages both ways', async () => {
  const net = await network()
  const host = net.lab.addPublicHost('listener')
  const listener = await startListener(host, net.relayTcp, { LISTEN_ADDRS: `/ip6/::/tcp/${PORT}/ws` })
  const address = `/ip6/${host.address}/tcp/${PORT}/ws/p2p/${listener.ready.peerId}`
  const page = await openPage(net.lab.addHome('a', 'endpoint-independent').addHost('page'), pages, { peer: address })
  const state = await pageState(page, ['connected', 'failed'], 30_000)
  expect(state).toBe('connected: direct over websockets')
  await page.waitForSelector('#log li:has-text("hello from the listener")', { timeout: 15_000 })
  await listener.role.waitForLine(/: hello from the page$/)
  expectOutcome('chromiumPublicWs', result(state, ''), `${await textOf(page, 'remote')}`)
})
