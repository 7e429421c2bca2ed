// Delegated routing: Kubo's gateway serves the Routing V1 HTTP API (/routing/v1, on by default); a Helia
// client on a host of its own joins no DHT and asks only that URL for providers, peers and names, then
// fetches from the provider it was told of. A name it publishes through Kubo lands in the DHT.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { createHost } from '../testing/netns.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { startClient, startDht, startHeliaServer } from './lab.ts'

afterEach(terminateAllProcesses)

test("a client with only Kubo's Routing V1 URL finds a Helia provider, fetches its text, resolves its name and finds " +
  'it by peer ID; what it publishes there, a DHT client resolves', async () => {
  const dht = await startDht()
  const text = `found through Kubo's Routing V1 API at ${Date.now()}`
  const provider = await startHeliaServer('provider', {
    BOOTSTRAP: dht.BOOTSTRAP,
    PROVIDE_TEXT: text,
    PUBLISH_NAME: '1'
  })
  const kubo = dht.kubo[1]!
  const clientHost = createHost('client')
  const delegated = { DELEGATED_ROUTER: kubo.gateway }
  const run = async (args: string[], env: Record<string, string>): Promise<string> => {
    const client = startClient(clientHost, args, env)
    await expectExit(client, 0)
    return client.stdout.join('\n')
  }

  const got = await run(['get', provider.ready.cid!], delegated)
  expect(got).toContain('(Routing V1 HTTP API; no DHT)')
  expect(got).toContain(`found provider ${provider.ready.peerId} `)
  expect(got).toContain('told by the delegated router')
  expect(got).toContain(`content: ${text}`)
  expect(await run(['resolve', provider.ready.name!], delegated)).toContain(
    `resolved /ipns/${provider.ready.name!} → /ipfs/${provider.ready.cid!} (sequence 1)`
  )
  expect(await run(['find-peer', provider.ready.peerId], delegated)).toContain(`/ip4/${provider.host.address}/tcp/4001`)

  const published = await run(['publish', provider.ready.cid!], {
    ...delegated,
    NAME_KEY_FILE: join(await tempDir(), 'name.key')
  })
  const name = /published \/ipns\/(k51\w+) /.exec(published)?.[1]
  expect(name, published).toBeDefined()
  expect(await run(['resolve', name!], { BOOTSTRAP: dht.BOOTSTRAP })).toContain(
    `resolved /ipns/${name!} → /ipfs/${provider.ready.cid!} (sequence 1)`
  )
})
