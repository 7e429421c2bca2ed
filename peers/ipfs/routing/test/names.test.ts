// IPNS records the client must refuse, served by a Routing V1 HTTP API this test runs (a router that lies, or
// keeps what it should not): a record past its validity and one signed by another key than the name's. The
// client checks both (signature against the name's key, validity against the clock) and says why in one line.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { afterEach, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { expectExit, stopAllProcesses } from '../../../../scripts/testing/processes.ts'
import { startClient } from './network.ts'

afterEach(stopAllProcesses)

const value = CID.parse('bafkreihwbkq3ks2fnhdb6cpd5oc2vomdtxfnypxpwk5s4ecrjnjvf7ulmq')

/** A Routing V1 API that answers every IPNS request with `record` and nothing else; its URL. */
async function routerServing (record: Uint8Array): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/routing/v1/ipns/') === true) {
      response.writeHead(200, { 'content-type': 'application/vnd.ipfs.ipns-record' }).end(record)
    } else response.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  onCleanup('stop the lying router', () => new Promise<void>(resolve => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function resolveThrough (record: Uint8Array, name: string): Promise<string[]> {
  const client = startClient(['resolve', name], { DELEGATED_ROUTER: await routerServing(record), TIMEOUT_MS: '10000' })
  await expectExit(client, 1)
  return client.stderr
}

test('a record past its validity is refused, and so is one signed by another key: one line each, exit 1', async () => {
  const owner = await generateKeyPair('Ed25519')
  const name = owner.publicKey.toCID().toString(base36)

  // a lifetime of 1 ms: over long before the client has started
  const expired = await createIPNSRecord(owner, value, 1n, 1)
  const refused = `client: could not resolve /ipns/${name}: the record the network returned was refused`
  expect(await resolveThrough(marshalIPNSRecord(expired), name)).toEqual([`${refused}: record has expired`])

  const forged = await createIPNSRecord(await generateKeyPair('Ed25519'), value, 2n, 60_000)
  expect(await resolveThrough(marshalIPNSRecord(forged), name))
    .toEqual([`${refused}: Record signature verification failed`])
})
