// `pnpm bench routing` (root): the routing tier's private DHT (scripts/routing/lab.ts: six nodes, Helia and
// Kubo, on test hosts), each peer its own process as users run them. Per try, with content and names no
// node has seen yet: the time to the first provider and to the whole content, with a fresh Helia client
// (its process start, joining through one bootstrap peer, included) and with a running Kubo as finder
// (`routing findprovs -n 1`, `cat`; the CLI's start included); IPNS publish → resolve over the DHT and
// through Kubo's Routing V1 API. Medians of the tries, with min and max.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startClient, startDht, type Dht } from '../routing/lab.ts'
import { runCleanups, tempDir } from '../testing/cleanup.ts'
import { createHost, type TestHost } from '../testing/netns.ts'
import { terminateAllProcesses } from '../testing/processes.ts'
import { firstLine, median, round, timed, type BenchResult, type Scale } from './measure.ts'

const CONTENT_BYTES = 256 * 1024

/** Runs a client to its end: its stdout. */
async function runClient (host: TestHost, args: string[], env: Record<string, string>): Promise<string> {
  const client = startClient(host, args, env)
  const exit = await client.exited
  if (exit.code !== 0) throw new Error(`client ${args.join(' ')} exited ${exit.code}: ${client.stderr.join(' ')}`)
  return client.stdout.join('\n')
}

/** N from the line that starts with `start` and says "after N ms". */
function msAfter (output: string, start: string): number {
  const ms = new RegExp(`^${start}.* after (\\d+) ms`, 'm').exec(output)?.[1]
  if (ms === undefined) throw new Error(`no "${start} … after N ms" line in:\n${output}`)
  return Number(ms)
}

async function freshContent (dht: Dht, dir: string, index: number): Promise<string> {
  const file = join(dir, `content-${index}.bin`)
  await writeFile(file, randomBytes(CONTENT_BYTES))
  return dht.kubo[2]!.ipfs(['add', '-Q', file]).trim()
}

function row (name: string, samples: number[], detail: Record<string, string | number> = {}): BenchResult {
  const range = { tries: samples.length, min: Math.min(...samples), max: Math.max(...samples) }
  return { bench: 'routing', case: name, value: round(median(samples), 0), unit: 'ms', detail: { ...range, ...detail } }
}

/** A resolve that found nothing right after its publish: counted, and the first reason kept. */
const failureDetail = (reasons: string[]): Record<string, string> =>
  reasons.length === 0 ? {} : { 'not resolved': reasons[0]! }

export async function benchRouting (scale: Scale): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    throw new Error('bench routing needs root: its DHT runs on test hosts in network namespaces ' +
      '(as the routing tier does)')
  }
  const tries = scale === 'full' ? 7 : 1
  try {
    const dht = await startDht()
    const dir = await tempDir()
    const clientHost = createHost('client')
    const BOOTSTRAP = dht.BOOTSTRAP
    const delegated = { DELEGATED_ROUTER: dht.kubo[1]!.gateway }
    const finder = dht.kubo[0]!
    const failures = { dht: [] as string[], delegated: [] as string[] }
    const samples: Record<string, number[]> = {
      heliaProvider: [],
      heliaContent: [],
      kuboProvider: [],
      kuboContent: [],
      dhtPublish: [],
      dhtResolve: [],
      delegatedPublish: [],
      delegatedResolve: []
    }
    for (let index = 0; index < tries; index++) {
      const content = await freshContent(dht, dir, 2 * index)
      const got = await runClient(clientHost, ['get', content, join(dir, 'fetched.bin')], { BOOTSTRAP })
      samples.heliaProvider!.push(msAfter(got, 'found provider '))
      samples.heliaContent!.push(msAfter(got, 'fetched '))

      const cid = await freshContent(dht, dir, 2 * index + 1)
      const found = await timed(async () => finder.ipfs(['routing', 'findprovs', '--num-providers', '1', cid]))
      if (found.value.trim() !== dht.kubo[2]!.peerId) {
        throw new Error(`Kubo found ${found.value.trim() || 'no provider'} for ${cid}, not ${dht.kubo[2]!.peerId}`)
      }
      const fetched = await timed(async () => finder.ipfs(['cat', cid]))
      samples.kuboProvider!.push(round(found.ms, 0))
      samples.kuboContent!.push(round(found.ms + fetched.ms, 0))

      for (const [via, env] of [['dht', { BOOTSTRAP }], ['delegated', delegated]] as const) {
        const keyFile = join(dir, `${via}-${index}.key`)
        const published = await runClient(clientHost, ['publish', cid], { ...env, NAME_KEY_FILE: keyFile })
        const name = /^published \/ipns\/(\w+) /m.exec(published)![1]!
        samples[`${via}Publish`]!.push(msAfter(published, 'published '))
        try {
          samples[`${via}Resolve`]!.push(msAfter(await runClient(clientHost, ['resolve', name], env), 'resolved '))
        } catch (err) {
          failures[via].push(firstLine(err).replace(/^.*could not resolve \/ipns\/\w+: /, ''))
        }
      }
    }
    const medianOf = (key: string): number => round(median(samples[key]!), 0)
    return [
      row('first provider, Helia client (new process, one bootstrap peer; content Kubo added)',
        samples.heliaProvider!, {
          'to the content (median) ms': medianOf('heliaContent'),
          'Kubo as finder (median) ms': medianOf('kuboProvider'),
          'ratio to Kubo': round(medianOf('heliaProvider') / medianOf('kuboProvider'), 2)
        }),
      row('first provider, Kubo (running daemon, routing findprovs -n 1)', samples.kuboProvider!, {
        'to the content (median) ms': medianOf('kuboContent')
      }),
      row(`${CONTENT_BYTES / 1024} KiB content, Helia client from start to the last block`, samples.heliaContent!, {
        'Kubo (findprovs + cat, median) ms': medianOf('kuboContent'),
        'ratio to Kubo': round(medianOf('heliaContent') / medianOf('kuboContent'), 2)
      }),
      {
        ...row('IPNS resolve over the DHT, Helia client (new process)', samples.dhtResolve!, {
          'publish (median) ms': medianOf('dhtPublish'), ...failureDetail(failures.dht)
        }),
        failures: failures.dht.length
      },
      {
        ...row('IPNS resolve through Kubo\'s Routing V1 API, Helia client (new process, no DHT)',
          samples.delegatedResolve!, {
            'publish (median) ms': medianOf('delegatedPublish'),
            'ratio to the DHT': round(medianOf('delegatedResolve') / medianOf('dhtResolve'), 2),
            ...failureDetail(failures.delegated)
          }),
        failures: failures.delegated.length
      }
    ]
  } finally {
    await terminateAllProcesses()
    await runCleanups()
  }
}
