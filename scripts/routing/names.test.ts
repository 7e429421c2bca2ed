// IPNS over the private DHT, between Helia (@helia/ipns, peers/ipfs/routing) and Kubo (`ipfs name`): each
// resolves what the other published, and each sees the other's update (a higher sequence number).
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterEach, expect, test } from 'vitest'
import { tempDir } from '../testing/cleanup.ts'
import { createHost } from '../testing/netns.ts'
import { expectExit, terminateAllProcesses } from '../testing/processes.ts'
import { startClient, startDht, startHeliaServer, type LabKubo } from './lab.ts'

afterEach(terminateAllProcesses)

/** `/ipfs/<cid>` → the CID as CIDv1 (@helia/ipns publishes CIDs as v1: Kubo's Qm… comes back as bafy…). */
const resolvedCid = (path: string): string => CID.parse(path.trim().replace(/^\/ipfs\//, '')).toV1().toString()

async function addWithKubo (kubo: LabKubo, text: string): Promise<string> {
  const file = join(await tempDir(), 'file.txt')
  await writeFile(file, text)
  return kubo.ipfs(['add', '-Q', file]).trim()
}

test("Helia publishes a name and Kubo resolves it (name resolve); a client's update (sequence 2) is what Kubo " +
  'resolves next', async () => {
  const dht = await startDht()
  const server = await startHeliaServer('publisher', {
    BOOTSTRAP: dht.BOOTSTRAP,
    PROVIDE_TEXT: 'named by Helia',
    PUBLISH_NAME: '1'
  })
  const kubo = dht.kubo[0]!
  expect(resolvedCid(kubo.ipfs(['name', 'resolve', '--nocache', server.ready.name!]))).toBe(server.ready.cid!)

  const clientHost = createHost('client')
  const env = { BOOTSTRAP: dht.BOOTSTRAP, NAME_KEY_FILE: join(await tempDir(), 'name.key') }
  const values = [server.ready.cid!, await addWithKubo(dht.kubo[1]!, `second ${randomBytes(4).toString('hex')}`)]
  let name: string
  for (const [index, value] of values.entries()) {
    const publish = startClient(clientHost, ['publish', value], env)
    await expectExit(publish, 0)
    const line = publish.stdout.find(output => output.startsWith('published '))!
    expect(line).toContain(`(sequence ${index + 1})`)
    name = line.split(' ')[1]!.replace('/ipns/', '')
    // Kubo keeps the record with the highest sequence among those the DHT returns
    expect(resolvedCid(kubo.ipfs(['name', 'resolve', '--nocache', name]))).toBe(CID.parse(value).toV1().toString())
  }
})

test("Kubo publishes a name (ipfs name publish) and a Helia client resolves it; Kubo's update is what the client " +
  'resolves next', async () => {
  const dht = await startDht()
  const kubo = dht.kubo[2]!
  const clientHost = createHost('client')
  const name = /^(k51\w+)\s+self\s*$/m.exec(kubo.ipfs(['key', 'list', '-l']))?.[1]
  expect(name, 'Kubo\'s self key').toBeDefined()
  for (const [index, text] of ['first', 'second'].entries()) {
    const cid = await addWithKubo(kubo, `${text} ${randomBytes(4).toString('hex')}`)
    expect(kubo.ipfs(['name', 'publish', cid])).toContain(`Published to ${name}: /ipfs/${cid}`)
    const resolve = startClient(clientHost, ['resolve', name!], { BOOTSTRAP: dht.BOOTSTRAP })
    await expectExit(resolve, 0)
    expect(resolve.stdout.join('\n')).toContain(`resolved /ipns/${name} → /ipfs/${cid} (sequence ${index})`)
  }
})
