// One client process of `pnpm bench load` (scripts/bench/load.ts starts several): it runs `LOAD_JOB`'s
// clients with the example's own code, prints one `RESULT {json}` line per phase, and exits. For libp2p it
// connects every client at once, prints CONNECTED, waits for a line on stdin (so every process starts its
// streams together), then opens every echo stream at once. For OrbitDB every writer makes its puts, the
// process prints WRITTEN and waits the same way, then every writer asks the server to host its entries at once.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { firstLine } from './measure.ts'

export type LoadJob =
  | {
    kind: 'libp2p'
    major: 'v1' | 'v3'
    server: string
    clients: number
    streamsPerClient: number
    echoBytes: number
    deadlineMs: number
  }
  | { kind: 'ipfs-helia', server: string, cid: string, bytes: number, clients: number, deadlineMs: number }
  | {
    kind: 'orbitdb'
    major: 'v2' | 'v4'
    server: string
    address: string
    identityKeys: string[]
    firstWriter: number
    documents: number
    deadlineMs: number
  }

/** One phase of one worker: each operation's latency, and the ones that failed (with their first reasons). */
export interface PhaseResult { phase: string, latenciesMs: number[], failures: number, errors: string[], bytes: number }

const print = (result: PhaseResult): void => console.log(`RESULT ${JSON.stringify(result)}`)

/** Runs every operation at once; a rejected one counts as a failure with its reason. */
async function allAtOnce (
  phase: string,
  count: number,
  operation: (index: number) => Promise<number>
): Promise<PhaseResult> {
  const result: PhaseResult = { phase, latenciesMs: [], failures: 0, errors: [], bytes: 0 }
  await Promise.all(Array.from({ length: count }, async (_unused, index) => {
    const started = performance.now()
    try {
      const bytes = await operation(index) // (not `result.bytes += await …`: that would read the sum before awaiting)
      result.bytes += bytes
      result.latenciesMs.push(performance.now() - started)
    } catch (err) {
      result.failures++
      if (result.errors.length < 5) result.errors.push(firstLine(err))
    }
  }))
  return result
}

async function nextStdinLine (): Promise<void> {
  await new Promise<void>(resolve => createInterface({ input: process.stdin }).once('line', () => resolve()))
}

/** What the load takes of a libp2p major: its node.ts, dial.ts, echo.ts and messages.ts, as imported. */
type Libp2pModules<
  Node extends { stop: () => void | Promise<void>, getConnections: () => Array<{ remotePeer: Peer }> },
  Address,
  Peer
> = [
  { createNode: () => Promise<Node> },
  {
    parseServerAddress: (text: string) => Address
    dialWithRetry: (
      node: Node,
      address: Address,
      options: { deadlineMs: number }
    ) => Promise<{ connection: { remotePeer: Peer } }>
  },
  { echo: (node: Node, peer: Peer, payload: Uint8Array) => Promise<Uint8Array> },
  {
    MessageSession: {
      open: (
        node: Node,
        peer: Peer
      ) => Promise<{
        request: (request: { text: string }) => Promise<{ ok: true } | { ok: false, error: string }>
        close: () => Promise<void>
      }>
    }
  }
]

async function libp2p<
  Node extends { stop: () => void | Promise<void>, getConnections: () => Array<{ remotePeer: Peer }> },
  Address,
  Peer
> (
  [{ createNode }, { parseServerAddress, dialWithRetry }, { echo }, { MessageSession }]:
  Libp2pModules<Node, Address, Peer>,
  job: Extract<LoadJob, { kind: 'libp2p' }>
): Promise<void> {
  const address = parseServerAddress(job.server)
  const nodes = await Promise.all(Array.from({ length: job.clients }, async () => createNode()))
  try {
    // connect + the first request answered, every client at once
    print(await allAtOnce('connect', job.clients, async index => {
      const node = nodes[index]!
      const { connection } = await dialWithRetry(node, address, { deadlineMs: job.deadlineMs })
      const session = await MessageSession.open(node, connection.remotePeer)
      const response = await session.request({ text: 'hello under load' })
      await session.close()
      if (!response.ok) throw new Error(`refused: ${response.error}`)
      return 0
    }))
    console.log('CONNECTED')
    await nextStdinLine()
    const payload = new Uint8Array(randomBytes(job.echoBytes))
    print(
      await allAtOnce('echo', job.clients * job.streamsPerClient, async index => {
        const node = nodes[index % job.clients]!
        const peer = node.getConnections()[0]?.remotePeer
        if (peer === undefined) throw new Error('no connection to the server any more')
        const returned = await echo(node, peer, payload)
        if (returned.byteLength !== payload.byteLength || !Buffer.from(returned).equals(payload)) {
          throw new Error(`echo returned ${returned.byteLength} bytes, not the ${payload.byteLength} sent`)
        }
        return payload.byteLength
      })
    )
  } finally {
    await Promise.all(nodes.map(async node => node.stop()))
  }
}

async function helia (job: Extract<LoadJob, { kind: 'ipfs-helia' }>): Promise<void> {
  const { createNode } = await import('../../peers/ipfs/helia/src/node.ts')
  const { dialWithRetry, parseServerAddress } = await import('../../peers/ipfs/helia/src/dial.ts')
  const { unixfs } = await import('@helia/unixfs')
  const { CID } = await import('multiformats/cid')
  const address = parseServerAddress(job.server)
  const cid = CID.parse(job.cid)
  const nodes = await Promise.all(Array.from({ length: job.clients }, async () => createNode()))
  try {
    print(
      await allAtOnce('fetch', job.clients, async index => {
        const node = nodes[index]!
        await dialWithRetry(node, address, job.deadlineMs)
        let bytes = 0
        // every block is checked against its CID by Helia before it is stored
        for await (const chunk of unixfs(node).cat(cid, { signal: AbortSignal.timeout(job.deadlineMs) })) {
          bytes += chunk.byteLength
        }
        if (bytes !== job.bytes) throw new Error(`fetched ${bytes} bytes, not ${job.bytes}`)
        return bytes
      })
    )
  } finally {
    await Promise.all(nodes.map(async node => node.stop()))
  }
}

type OrbitdbJob = Extract<LoadJob, { kind: 'orbitdb' }>

async function orbitdb (job: OrbitdbJob): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'liftoff-load-orbitdb-'))
  const writers: Array<WriterSession | undefined> = []
  try {
    print(await allAtOnce('write', job.identityKeys.length, async index => {
      const dataDir = join(work, `writer-${index}`)
      writers[index] = await majorWriters[job.major](job, dataDir, index)
      return 0
    }))
    console.log('WRITTEN')
    await nextStdinLine()
    print(await allAtOnce('confirm', job.identityKeys.length, async index => {
      const writer = writers[index]
      if (writer === undefined) throw new Error('this writer did not get as far as its puts')
      await writer.confirm()
      return 0
    }))
  } finally {
    await Promise.all(writers.map(async writer => writer?.stop()))
    await rm(work, { recursive: true, force: true })
  }
}

/** A writer whose puts are made: it asks the server to host them when told, and is stopped afterwards. */
interface WriterSession { confirm: () => Promise<void>, stop: () => Promise<void> }

interface Note { _id: string, author: string, text: string, writtenAt: string, [field: string]: unknown }

/** The modules of one OrbitDB major a writer uses: the same names in both, each with its own libraries' types. */
interface MajorModules<Node, Libp2pLike, OrbitDB, Address, Peer, Db> {
  createNode: (options: { dataDir: string }) => Promise<Node>
  startOrbitDB: (node: Node, options: { dataDir: string, identityKey?: string }) => Promise<OrbitDB>
  useNativeSignatures: (orbitdb: OrbitDB) => Promise<OrbitDB>
  dialWithRetry: (
    libp2p: Libp2pLike, address: Address, options: { deadlineMs: number }
  ) => Promise<{ connection: { remotePeer: Peer } }>
  parseServerAddress: (text: string) => Address
  askServer: (
    node: Node, server: Peer, request: { op: 'await', address: string, heads: string[], timeoutMs: number },
    signal: AbortSignal, blocks: Uint8Array[]
  ) => Promise<{ entries: number }>
  entriesToPush: (db: Db, serverHeads: string[]) => Promise<Uint8Array[]>
  headsOf: (db: Db) => Promise<string[]>
}

/**
 * One writer: opened, connected to the server, its puts made; `confirm` is the hosting protocol's `await`.
 * Writers do not replicate each other: 20 writers on one host each verifying the other 19's entries
 * measured the writers' mesh (quadratic in writers), not the always-on server, which is what this load is about.
 */
async function write<
  Node extends { stop: () => Promise<unknown>, libp2p: Libp2pLike },
  Libp2pLike,
  OrbitDB extends { stop: () => Promise<unknown>, open: (address: string, options: { sync: boolean }) => Promise<Db> },
  Address,
  Peer,
  Db extends { address: string, put: (document: Note) => Promise<unknown> }
> (
  example: MajorModules<Node, Libp2pLike, OrbitDB, Address, Peer, Db>,
  job: OrbitdbJob,
  dataDir: string,
  index: number
): Promise<WriterSession> {
  const node = await example.createNode({ dataDir })
  let orbitdb: OrbitDB | undefined
  const stop = async (): Promise<void> => {
    await orbitdb?.stop()
    await node.stop()
  }
  try {
    // as the example's client runs it: entries signed natively
    orbitdb = await example.useNativeSignatures(
      await example.startOrbitDB(node, { dataDir, identityKey: job.identityKeys[index] })
    )
    const address = example.parseServerAddress(job.server)
    const { connection } = await example.dialWithRetry(node.libp2p, address, { deadlineMs: job.deadlineMs })
    const server = connection.remotePeer
    // OrbitDB's own sync off: no pubsub, so writers do not replicate each other
    const db = await orbitdb.open(job.address, { sync: false })
    // writers are numbered across all worker processes, so no two write the same document ID
    const writer = `writer-${job.firstWriter + index}`
    console.log(`T ${Date.now()} ${writer} opened`) // LOAD_TRACE's timeline (scripts/bench/load.ts)
    for (let document = 0; document < job.documents; document++) {
      await db.put({
        _id: `${writer}-${document}`,
        author: writer,
        text: `document ${document}`,
        writtenAt: new Date().toISOString()
      })
    }
    console.log(`T ${Date.now()} ${writer} puts done`)
    return {
      confirm: async () => {
        // the server answers once it holds this writer's entries
        // its entries go with the request (it has never synced, so it knows none of the server's heads)
        const heads = await example.headsOf(db)
        const request = { op: 'await', address: db.address, heads, timeoutMs: job.deadlineMs } as const
        const blocks = await example.entriesToPush(db, [])
        const signal = AbortSignal.timeout(job.deadlineMs)
        const serverEntries = (await example.askServer(node, server, request, signal, blocks)).entries
        console.log(`T ${Date.now()} ${writer} confirmed`)
        if (serverEntries < job.documents) {
          throw new Error(`the server confirmed ${serverEntries} entries, fewer than this writer's ${job.documents}`)
        }
      },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Each major's writer, its modules loaded only when that major is measured. */
type StartWriter = (job: OrbitdbJob, dataDir: string, index: number) => Promise<WriterSession>
const majorWriters: Record<OrbitdbJob['major'], StartWriter> = {
  v4: async (...writerArgs) => write((await import('./orbitdb-v4.ts')).modules, ...writerArgs),
  v2: async (...writerArgs) => write((await import('./orbitdb-v2.ts')).modules, ...writerArgs)
}

if (import.meta.main) {
  const job = JSON.parse(process.env.LOAD_JOB ?? 'null') as LoadJob | null
  if (job === null) {
    console.error('load-worker: LOAD_JOB is not set')
    process.exit(1)
  }
  if (job.kind === 'ipfs-helia') await helia(job)
  else if (job.kind === 'orbitdb') await orbitdb(job)
  else if (job.major === 'v1') {
    await libp2p(await Promise.all([
      import('../../peers/libp2p/v1/src/node.ts'), import('../../peers/libp2p/v1/src/dial.ts'),
      import('../../peers/libp2p/v1/src/echo.ts'), import('../../peers/libp2p/v1/src/messages.ts')
    ]), job)
  } else {
    await libp2p(await Promise.all([
      import('../../peers/libp2p/v3/src/node.ts'), import('../../peers/libp2p/v3/src/dial.ts'),
      import('../../peers/libp2p/v3/src/echo.ts'), import('../../peers/libp2p/v3/src/messages.ts')
    ]), job)
  }
  process.exit(0)
}
