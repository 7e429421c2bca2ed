// The default compose network on a real engine, as a user runs it: `docker compose up --build -d`, every
// client exits 0 and every server turns healthy; a restarted server keeps its peer ID and its data;
// `docker compose stop` ends every server with exit code 0 within its grace period; `down -v` leaves nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { PROJECT, compose, containers, defaultNetwork, docker, finishedService, logsOf } from '../testing/docker.ts'
import { expectExitCode } from '../testing/processes.ts'

const { servers, clients, pages } = defaultNetwork()
const peers = servers.filter(server => !pages.includes(server)) // the ones with data and a ready.json

async function readyOf (service: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse((await compose(['exec', '-T', service, 'cat', '/data/ready.json'])).stdout) as Record<
      string,
      unknown
    >
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n${service}'s log ends:\n${(await logsOf(service)).split('\n').slice(-20).join('\n')}`
    )
  }
}

describe('the default network', () => {
  beforeAll(async () => {
    await compose(['down', '--volumes', '--remove-orphans'])
    await compose(['up', '--build', '--detach'], 900_000)
  }, 900_000)
  afterAll(async () => { await compose(['down', '--volumes', '--remove-orphans']) }, 120_000)

  test('every client exits 0 and every server is healthy', async () => {
    for (const client of clients) expectExitCode(await finishedService(client), 0)
    const states = await containers()
    for (const server of servers) {
      expect(
        states.find(state => state.service === server),
        server
      ).toMatchObject({ state: 'running', health: 'healthy' })
    }
  })

  test('a restarted server keeps its peer ID and its data, and its clients run again', async () => {
    const before = new Map<string, Record<string, unknown>>()
    for (const server of peers) before.set(server, await readyOf(server))
    await compose(['restart', ...peers], 300_000)
    await compose(['up', '--detach', '--wait', ...peers], 300_000) // returns once every server is healthy again
    for (const server of peers) {
      const after = await readyOf(server)
      if (before.get(server)?.peerId !== undefined) expect(after.peerId, server).toBe(before.get(server)?.peerId)
      if (before.get(server)?.cid !== undefined) expect(after.cid, server).toBe(before.get(server)?.cid)
    }
    // one client per example, against the data the servers kept (the OrbitDB readers expect the writers' entries)
    for (const client of [
      'libp2p-v1-client-tcp', 'libp2p-v3-client-ws', 'ipfs-helia-client-get', 'orbitdb-v2-reader', 'orbitdb-v4-reader',
      'bacalhau-demo'
    ]) {
      const run = await docker(['compose', '-p', PROJECT, 'run', '--rm', '--no-deps', client], 300_000)
      expectExitCode({ ...run, label: client }, 0)
    }
  })

  test('docker compose stop ends every server with exit code 0 within its grace period', async () => {
    const { ms } = await compose(['stop'], 120_000)
    expect(ms).toBeLessThan(30_000)
    const states = await containers()
    for (const server of servers) {
      expect(states.find(state => state.service === server), server).toMatchObject({ state: 'exited' })
      expectExitCode(await finishedService(server), 0)
    }
  })

  test('docker compose down -v leaves no container, network or volume behind', async () => {
    await compose(['down', '--volumes', '--remove-orphans'])
    for (const kind of ['ps', 'network', 'volume']) {
      const listed = await docker(
        kind === 'ps'
          ? ['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${PROJECT}`]
          : [kind, 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${PROJECT}`]
      )
      expect(listed.stdout.trim(), kind).toBe('')
    }
  })
})
