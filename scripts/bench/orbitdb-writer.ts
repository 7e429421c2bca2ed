// The writer of an OrbitDB replication pair in a process of its own: ORBITDB=orbitdb-v2 or orbitdb-v4 picks
// the example, COUNT documents are put under DATA_DIR, then it prints READY {json} (its address, the
// database's, the heads and how long the puts took) and serves until SIGTERM. TUNED=1 picks the example's
// speed-ups.
import type { serveWrittenDatabase } from './orbitdb.ts'

type Serve = (dataDir: string, count: number) => ReturnType<typeof serveWrittenDatabase>

async function writerOf (name: string | undefined): Promise<Serve> {
  if (name === 'orbitdb-v2') return (await import('./orbitdb-v2.ts')).orbitdbV2.serveWriter
  if (name === 'orbitdb-v4') return (await import('./orbitdb-v4.ts')).orbitdbV4.serveWriter
  throw new Error(`ORBITDB must be orbitdb-v2 or orbitdb-v4, not "${name ?? ''}"`)
}

try {
  const count = Number(process.env.COUNT)
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new Error(`COUNT must be a positive integer, not "${process.env.COUNT ?? ''}"`)
  }
  if (process.env.DATA_DIR === undefined) throw new Error('DATA_DIR must name a directory for the writer\'s storage')
  const { ready, stop } = await (await writerOf(process.env.ORBITDB))(process.env.DATA_DIR, count)
  process.once('SIGTERM', () => { stop().then(() => process.exit(0), () => process.exit(1)) })
  console.log(`READY ${JSON.stringify(ready)}`)
} catch (err) {
  console.error(`orbitdb-writer: ${(err as Error).message}`)
  process.exit(1)
}
