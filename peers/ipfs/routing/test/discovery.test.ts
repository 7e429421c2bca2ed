// Finding peers by topic (src/peer.ts, @libp2p/pubsub-peer-discovery, no DHT): peers that know only the
// bootstrap peer connect to each other directly when they share a topic, and only then.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { expectExit, startProcess, stopAllProcesses, waitForReady } from '../../../../scripts/testing/processes.ts'

afterEach(stopAllProcesses)

const exampleDir = join(import.meta.dirname, '..')
const startPeer = (label: string, env: Record<string, string>) =>
  startProcess(['node', 'src/peer.ts'], { cwd: exampleDir, label, env })

test('peers that know only the bootstrap peer find each other by topic and connect directly; ' +
  'a peer on another topic finds nobody, in one line', async () => {
  const bootstrap = startPeer('bootstrap', { DISCOVERY_TOPIC: 'notes', MIN_PEERS: '0' })
  const BOOTSTRAP = (await waitForReady(bootstrap)).multiaddrs[0]!
  const a = startPeer('peer a', { BOOTSTRAP, DISCOVERY_TOPIC: 'notes', MIN_PEERS: '0' })
  const b = startPeer('peer b', { BOOTSTRAP, DISCOVERY_TOPIC: 'notes', MIN_PEERS: '0' })
  const [aId, bId] = (await Promise.all([waitForReady(a), waitForReady(b)])).map(ready => ready.peerId)
  const other = startPeer('peer on another topic', { BOOTSTRAP, DISCOVERY_TOPIC: 'chat', TIMEOUT_MS: '5000' })
  const c = startPeer('peer c', { BOOTSTRAP, DISCOVERY_TOPIC: 'notes', MIN_PEERS: '2' })
  await expectExit(c, 0)
  const found = c.stdout.filter(line => line.startsWith('found '))
  expect(found.map(line => line.split(' ')[1]).sort()).toEqual([aId, bId].sort())
  for (const line of found) expect(line).toMatch(/connected directly at \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
  // a and b found each other too, and neither of them heard of the peer on the other topic
  await a.waitForLine(new RegExp(`^found ${bId} on "notes"`))
  await b.waitForLine(new RegExp(`^found ${aId} on "notes"`))
  await expectExit(other, 1)
  expect(other.stderr).toEqual(['peer: found 0 of 1 peers on "chat" within 5000 ms (TIMEOUT_MS)'])
  const otherId = other.stdout.find(line => line.startsWith('READY '))!.match(/"peerId":"(\w+)"/)![1]!
  for (const peer of [a, b, c]) expect(peer.stdout.join('\n')).not.toContain(otherId)
})

test('a peer without a topic, or without a bootstrap peer while it waits, is one line and exit 1', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ BOOTSTRAP: '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWAPJccNu7TkaPqLecp1CPTuhQxVWbhKK6vpJ8CMrvLvd8' },
      'peer: DISCOVERY_TOPIC is required: the topic the peers of your app share'],
    [{ DISCOVERY_TOPIC: 'notes' }, 'peer: BOOTSTRAP is required: the multiaddr of one peer that relays the discovery ' +
      'topic, with /p2p/<peer id> (without one and with MIN_PEERS=0, this peer is that bootstrap peer)']
  ]
  await Promise.all(cases.map(async ([env, line]) => {
    const peer = startPeer('bad peer', env)
    await expectExit(peer, 1)
    expect(peer.stderr).toEqual([line])
  }))
})
