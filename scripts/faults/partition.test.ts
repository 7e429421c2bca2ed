// A partition between an OrbitDB writer and the server: the writer's host is cut off, it writes anyway (kept
// in its data dir), a second writer beside the server writes too and syncs; the link is healed and both
// converge on every document, and the server holds them all. Nothing is lost on either side.
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { generateIdentityKey } from '../../peers/orbitdb/v4/src/orbitdb.ts'
import { tempDir } from '../testing/cleanup.ts'
import { createHost, partition } from '../testing/netns.ts'
import { expectExit, terminateAllProcesses, waitForReady, type RoleProcess } from '../testing/processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
afterEach(terminateAllProcesses)

const syncedLine = (client: RoleProcess): string => client.stdout.find(line => line.startsWith('synced in')) ?? ''

test.each(['v2', 'v4'])(
  'OrbitDB %s: writes on both sides of a partition converge once it heals',
  async major => {
    const cwd = join(repoRoot, 'peers/orbitdb', major)
    const [serverHost, farHost] = [createHost('server'), createHost('far')]
    const [far, near] = await Promise.all([generateIdentityKey(), generateIdentityKey()])
    const server = serverHost.start(['src/server.ts'], {
      cwd,
      env: {
        DATA_DIR: await tempDir(),
        LISTEN_ADDRS: `/ip4/${serverHost.address}/tcp/9311`,
        WRITERS: `${far.identityId},${near.identityId}`
      }
    })
    const ready = await waitForReady<{ peerId: string, address: string }>(server, 60_000)
    const serverAddr = `/ip4/${serverHost.address}/tcp/9311/p2p/${ready.peerId}`
    const farDir = await tempDir()
    const nearDir = await tempDir()
    const client = async (
      host: typeof serverHost,
      key: string,
      dataDir: string,
      writes: number,
      name: string
    ): Promise<RoleProcess> => {
      const role = host.start(['src/client.ts'], {
        cwd,
        env: {
          SERVER_ADDR: serverAddr,
          DB_ADDRESS: ready.address,
          IDENTITY_KEY: key,
          WRITES: String(writes),
          DATA_DIR: dataDir,
          CLIENT_NAME: name,
          DIAL_TIMEOUT_MS: '4000'
        }
      })
      await role.exited
      return role
    }

    // the far writer opens the database once while connected, so it can write without the server later
    expect((await client(farHost, far.key, farDir, 0, 'far')).stdout.join('\n')).toMatch(/synced in/)

    const cut = partition(farHost)
    const offline = await client(farHost, far.key, farDir, 10, 'far')
    await expectExit(offline, 1)
    expect(offline.stderr).toEqual([
      expect.stringMatching(
        /^client: could not reach .*; the 10 documents written are kept in .* and sync on the next run$/
      )
    ])
    const nearRun = await client(serverHost, near.key, nearDir, 10, 'near')
    expect(syncedLine(nearRun)).toMatch(/the server holds all 10 entries; this replica has 10 documents/)

    cut.heal()
    const farAfter = await client(farHost, far.key, farDir, 0, 'far')
    expect(syncedLine(farAfter), farAfter.stderr.join('\n')).toMatch(
      /the server holds all 20 entries; this replica has 20 documents/
    )
    const nearAfter = await client(serverHost, near.key, nearDir, 0, 'near')
    expect(syncedLine(nearAfter)).toMatch(/the server holds all 20 entries; this replica has 20 documents/)
  },
  180_000
)
