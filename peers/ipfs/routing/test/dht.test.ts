// The DHT as users meet it, every node its own process on loopback: a client that knows one peer finds a
// provider it never knew, a peer by its ID, and names; announcements repeat and lapse; bad input is one line.
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../../../../scripts/testing/cleanup.ts'
import { expectExit, stopAllProcesses } from '../../../../scripts/testing/processes.ts'
import { startClient, startNetwork, startServer } from './network.ts'

const UNKNOWN_NAME = 'k51qzi5uqu5dlqwh7lfc4b6tx1pkghte0qyri7kwhes7zguuaoquuuu5qhrrip'

afterEach(stopAllProcesses)

test('a client given only a CID and the bootstrap peer finds the provider through the DHT, fetches the text ' +
  'and checks it; a peer is found by its ID alone', async () => {
  const { bootstrap, servers, BOOTSTRAP } = await startNetwork(3)
  const text = `provided at ${Date.now()}`
  const provider = await startServer('provider', { BOOTSTRAP, PROVIDE_TEXT: text })
  expect(provider.role.stdout.join('\n')).toMatch(/provider record on [1-9]\d* DHT servers?/)

  const get = startClient(['get', provider.ready.cid!], { BOOTSTRAP })
  await expectExit(get, 0)
  const found = get.stdout.find(line => line.startsWith('found provider '))
  expect(found).toContain(`found provider ${provider.ready.peerId} `)
  expect(provider.ready.peerId).not.toBe(bootstrap.ready.peerId)
  expect(get.stdout).toContain(`content: ${text}`)
  expect(get.stdout.join('\n')).toMatch(/every block checked against its CID \(connected to the provider/)

  const target = servers[1]!
  const findPeer = startClient(['find-peer', target.ready.peerId], { BOOTSTRAP })
  await expectExit(findPeer, 0)
  expect(findPeer.stdout.join('\n')).toContain(`found peer ${target.ready.peerId} after`)
  expect(findPeer.stdout.join('\n')).toContain(target.ready.multiaddrs[0]!.replace(`/p2p/${target.ready.peerId}`, ''))
})

test('IPNS over the DHT: a server\'s name resolves to its root; a client publishes a name of its own twice ' +
  'and the sequence goes up', async () => {
  const { BOOTSTRAP } = await startNetwork(2)
  const provider = await startServer('provider', { BOOTSTRAP, PROVIDE_TEXT: 'named', PUBLISH_NAME: '1' })
  const resolve = startClient(['resolve', provider.ready.name!], { BOOTSTRAP })
  await expectExit(resolve, 0)
  expect(resolve.stdout.join('\n'))
    .toContain(`resolved /ipns/${provider.ready.name!} → /ipfs/${provider.ready.cid!} (sequence 1)`)

  const env = { BOOTSTRAP, NAME_KEY_FILE: join(await tempDir(), 'name.key') }
  const published: string[] = []
  for (const expected of [1, 2]) {
    const publish = startClient(['publish', provider.ready.cid!], env)
    await expectExit(publish, 0)
    const line = publish.stdout.find(output => output.startsWith('published '))!
    expect(line).toContain(`(sequence ${expected})`)
    published.push(line.split(' ')[1]!)
  }
  expect(published[1]).toBe(published[0])
  const resolveOwn = startClient(['resolve', published[0]!], env)
  await expectExit(resolveOwn, 0)
  expect(resolveOwn.stdout.join('\n')).toContain(`→ /ipfs/${provider.ready.cid!} (sequence 2)`)
})

test('a provider announces again before its records lapse; once it is gone, the servers drop its record ' +
  'when it expires', async () => {
  // records valid for 4 s, checked every second: what a day-long validity does, in seconds
  const timing = { REPROVIDE_INTERVAL_MS: '1000', PROVIDE_VALIDITY_MS: '4000' }
  const { BOOTSTRAP } = await startNetwork(3, timing)
  const provider = await startServer('provider', { BOOTSTRAP, PROVIDE_TEXT: `reprovided ${Date.now()}`, ...timing })
  const providers = async (): Promise<string> => {
    const client = startClient(['providers', provider.ready.cid!], { BOOTSTRAP })
    await expectExit(client, 0)
    return client.stdout.join('\n')
  }
  // the first records have expired by now: only announcements made since can be found
  await delay(2 * Number(timing.PROVIDE_VALIDITY_MS))
  expect(await providers()).toContain(`provider ${provider.ready.peerId} `)

  await provider.role.stop('SIGKILL')
  const killed = performance.now()
  let listed = await providers()
  while (!listed.includes(`0 providers of ${provider.ready.cid!}`)) {
    expect(performance.now() - killed, `still listed long after the record expired:\n${listed}`)
      .toBeLessThan(4 * Number(timing.PROVIDE_VALIDITY_MS))
    listed = await providers()
  }
})

test('bad input is one line and exit code 1: no BOOTSTRAP, a bootstrap address without a peer, not a CID, ' +
  'a router that is not a URL, a name nobody published', async () => {
  const { BOOTSTRAP } = await startNetwork(1)
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['get', 'bafkqaaa'], {}, /^client: BOOTSTRAP is required/],
    [['get', 'bafkqaaa'], { BOOTSTRAP: '/ip4/127.0.0.1/tcp/1' },
      /^client: BOOTSTRAP: "\/ip4\/127.0.0.1\/tcp\/1" has no \/p2p\/<peer id>/],
    [['get', 'not-a-cid'], { BOOTSTRAP }, /^client: "not-a-cid" is not a CID$/],
    [['get', 'bafkqaaa'], { DELEGATED_ROUTER: 'kubo:8080' }, /^client: DELEGATED_ROUTER must be an http\(s\) URL/],
    [['fetch', 'x'], { BOOTSTRAP }, /^client: usage: client <get\|providers\|find-peer\|resolve\|publish>/],
    [['resolve', UNKNOWN_NAME], { BOOTSTRAP, TIMEOUT_MS: '5000' },
      new RegExp(`^client: could not resolve /ipns/${UNKNOWN_NAME}: `)]
  ]
  await Promise.all(cases.map(async ([args, env, expected]) => {
    const client = startClient(args, env)
    await expectExit(client, 1)
    expect(client.stderr).toHaveLength(1)
    expect(client.stderr[0]).toMatch(expected)
  }))
})
