// `pnpm bench routing` at a token size (one try per case), as `pnpm bench` runs it: proof that the
// benchmark works and reports every case, not a measurement.
import { expect, test } from 'vitest'
import { expectTinyBenchWorks } from '../testing/bench.ts'

test("bench routing measures finding with Helia and with Kubo, and names over the DHT and through Kubo's Routing V1 " +
  'API', async () => {
  const results = await expectTinyBenchWorks('routing')
  expect(results.map(result => result.case)).toEqual([
    'first provider, Helia client (new process, one bootstrap peer; content Kubo added)',
    'first provider, Kubo (running daemon, routing findprovs -n 1)',
    '256 KiB content, Helia client from start to the last block',
    'IPNS resolve over the DHT, Helia client (new process)',
    'IPNS resolve through Kubo\'s Routing V1 API, Helia client (new process, no DHT)'
  ])
}, 300_000)
