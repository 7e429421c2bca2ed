// kill -9 of each server in the middle of work: after a restart on the same data dir, everything it
// acknowledged before the kill is there, under the same peer ID.
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { BacalhauClient, BacalhauError } from '../../peers/bacalhau/client/src/client/index.ts'
import { compileWat } from '../../peers/bacalhau/client/src/wasm/compile.ts'
import { allowedClient } from '../../peers/ipfs/helia/test/fixtures.ts'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { NOOP_WAT, smallJob } from '../bench/bacalhau.ts'
import { tempDir } from '../testing/cleanup.ts'
import {
  expectExit,
  printed,
  startProcess,
  terminateAllProcesses,
  unusedPort,
  waitForReady,
  type RoleProcess
} from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

interface Ready { peerId: string, multiaddrs: string[], address?: string, api?: string, ipfs?: string[] }

/** Starts `node src/server.ts` of `example` on fixed ports, so clients find it again after a restart. */
function serverOf (example: string, env: Record<string, string>): () => Promise<{ role: RoleProcess, ready: Ready }> {
  return async () => {
    const role = startProcess(['node', 'src/server.ts'], {
      cwd: join(repoRoot, example),
      label: `${example} server`,
      env
    })
    return { role, ready: await waitForReady<Ready>(role, 60_000) }
  }
}

async function kill9 (role: RoleProcess): Promise<void> {
  role.child.kill('SIGKILL')
  expect(await role.exited, printed(role)).toEqual({ code: null, signal: 'SIGKILL' })
}

test.each(['v1', 'v3'])(
  'libp2p %s: killed with -9 and restarted, the server has the same peer ID and serves clients',
  async major => {
    const cwd = join(repoRoot, 'peers/libp2p', major)
    const port = await unusedPort()
    const start = serverOf(`peers/libp2p/${major}`, {
      DATA_DIR: await tempDir(),
      LISTEN_ADDRS: `/ip4/127.0.0.1/tcp/${port}`
    })
    const first = await start()
    const client = startProcess(['node', 'src/client.ts'], {
      cwd,
      env: { SERVER_ADDR: first.ready.multiaddrs[0]!, ECHO_BYTES: String(64 * 1024 * 1024), DIAL_TIMEOUT_MS: '2000' }
    })
    await client.waitForLine(/^connected to /)
    await kill9(first.role) // in the middle of a 64 MiB echo
    // the client notices, dials again for its 2 s, and fails in one line
    await expectExit(client, 1)
    expect(client.stdout, printed(client)).toContainEqual(
      expect.stringMatching(/^connection to \w+ lost \(.+\); dialling again$/)
    )
    expect(client.stderr, printed(client)).toEqual([
      expect.stringMatching(/^client: could not reach .* within 2000 ms/)
    ])
    const second = await start()
    expect(second.ready.peerId).toBe(first.ready.peerId)
    const again = startProcess(['node', 'src/client.ts'], { cwd, env: { SERVER_ADDR: second.ready.multiaddrs[0]! } })
    await expectExit(again, 0)
  }
)

test('Helia: every file the server acknowledged pinning before ' +
  'kill -9 is pinned and served after the restart', async () => {
  const cwd = join(repoRoot, 'peers/ipfs/helia')
  const port = await unusedPort()
  const start = serverOf('peers/ipfs/helia', {
    DATA_DIR: await tempDir(),
    LISTEN_ADDRS: `/ip4/127.0.0.1/tcp/${port}`,
    GATEWAY_LISTEN: '127.0.0.1:0',
    PIN_ALLOW_PEERS: allowedClient.peerId // pins only for the client's key, as the server's default is nobody
  })
  const first = await start()
  const files = await tempDir()
  const acknowledged = new Map<string, Buffer>()
  const add = async (index: number, bytes: number): Promise<RoleProcess> => {
    const content = randomBytes(bytes)
    await writeFile(join(files, `file-${index}.bin`), content)
    const role = startProcess(['node', 'src/client.ts', 'add', join(files, `file-${index}.bin`)], {
      cwd,
      env: { SERVER_ADDR: first.ready.multiaddrs[0]!, DIAL_TIMEOUT_MS: '3000', PRIVATE_KEY: allowedClient.PRIVATE_KEY }
    })
    role.exited.then(
      exit => {
        const pinned = role.stdout.find(line => line.startsWith('server pinned '))
        if (exit.code === 0 && pinned !== undefined) acknowledged.set(pinned.split(' ')[2]!.replace(/:$/, ''), content)
      },
      () => {}
    )
    return role
  }
  for (let index = 0; index < 3; index++) await expectExit(await add(index, 256 * 1024), 0)
  const inFlight = await add(3, 32 * 1024 * 1024)
  await inFlight.waitForLine(/^imported /)
  await kill9(first.role)
  await inFlight.exited
  expect(acknowledged.size).toBeGreaterThanOrEqual(3)

  const second = await start()
  expect(second.ready.peerId).toBe(first.ready.peerId)
  for (const [cid, content] of acknowledged) {
    const out = join(files, `${cid}.out`)
    const get = startProcess(['node', 'src/client.ts', 'get', cid, out], {
      cwd,
      env: { SERVER_ADDR: second.ready.multiaddrs[0]!, FETCH_TIMEOUT_MS: '10000' }
    })
    await expectExit(get, 0)
    expect(Buffer.compare(await readFile(out), content)).toBe(0)
  }
})

test.each(['v2', 'v4'])(
  'OrbitDB %s: every document the server confirmed before kill -9 is there after the restart',
  async major => {
    const cwd = join(repoRoot, 'peers/orbitdb', major)
    const port = await unusedPort()
    const writer = await generateIdentityKey()
    const start = serverOf(`peers/orbitdb/${major}`, {
      DATA_DIR: await tempDir(),
      LISTEN_ADDRS: `/ip4/127.0.0.1/tcp/${port}`,
      WRITERS: writer.identityId
    })
    const first = await start()
    const writerDir = await tempDir()
    // each round's writer has its own name, so its documents' IDs are <name>-<time>-<index>
    const run = (writes: number, server: Ready, name: string): RoleProcess =>
      startProcess(['node', 'src/client.ts'], {
        cwd,
        label: `${major} ${name}`,
        env: {
          SERVER_ADDR: server.multiaddrs[0]!,
          DB_ADDRESS: server.address!,
          IDENTITY_KEY: writer.key,
          WRITES: String(writes),
          DATA_DIR: writerDir,
          CLIENT_NAME: name,
          DIAL_TIMEOUT_MS: '5000'
        }
      })
    const rounds = ['round-1', 'round-2', 'round-3']
    for (const name of rounds) {
      const round = run(10, first.ready, name)
      await expectExit(round, 0)
      // confirmed
      expect(round.stdout, printed(round)).toContainEqual(expect.stringMatching(/the server holds all \d+ entries/))
    }
    const inFlight = run(200, first.ready, 'in-flight')
    await inFlight.waitForLine(/^opened /)
    await kill9(first.role)
    await inFlight.exited

    const second = await start()
    expect(second.ready.peerId).toBe(first.ready.peerId)
    expect(second.ready.address).toBe(first.ready.address)
    // a reader that never wrote gets what the server holds: every confirmed document, by its ID
    const { runClient } = (await import(join(cwd, 'src', 'client.ts'))) as {
      runClient: (config: unknown, log: (line: string) => void) => Promise<{ documentIds: string[] }>
    }
    const { readClientConfig } = (await import(join(cwd, 'src', 'run', 'config.ts'))) as {
      readClientConfig: (env: Record<string, string>) => unknown
    }
    const { documentIds } = await runClient(
      readClientConfig({
        SERVER_ADDR: second.ready.multiaddrs[0]!,
        DB_ADDRESS: second.ready.address!,
        WRITES: '0',
        DATA_DIR: await tempDir(),
        CLIENT_NAME: 'reader'
      }),
      () => {}
    )
    for (const name of rounds) {
      for (let index = 0; index < 10; index++) {
        expect(documentIds, `${name} document ${index}`).toContainEqual(
          expect.stringMatching(new RegExp(`^${name}-\\d+-${index}$`))
        )
      }
    }
  }
)

test('Bacalhau local runner: every job it acknowledged before kill -9 is on record after the restart', async () => {
  const apiPort = await unusedPort()
  const start = serverOf('peers/bacalhau/client', {
    DATA_DIR: await tempDir(),
    API_LISTEN: `127.0.0.1:${apiPort}`,
    IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0'
  })
  const first = await start()
  const client = new BacalhauClient({ baseUrl: first.ready.api! })
  const wasm = await compileWat(NOOP_WAT)
  const acknowledged: string[] = []
  const twenty = Promise.withResolvers<void>()
  let killed = false
  const submitting = (async () => {
    for (let index = 0; index < 10_000; index++) {
      try {
        acknowledged.push((await client.submitJob(smallJob(wasm, index))).JobID)
      } catch (err) {
        // only the kill may end the submissions (a failed request); an answer refusing the job fails the test
        if (killed && !(err instanceof BacalhauError)) return
        throw err
      }
      if (acknowledged.length === 20) twenty.resolve()
    }
  })()
  await Promise.race([twenty.promise, submitting])
  killed = true
  await kill9(first.role) // while more submissions are on their way
  await submitting
  expect(acknowledged.length).toBeGreaterThanOrEqual(20)

  const second = await start()
  const after = new BacalhauClient({ baseUrl: second.ready.api! })
  for (const id of acknowledged) expect((await after.getJob(id)).Job.ID).toBe(id)
})
