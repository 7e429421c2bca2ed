// METRICS_LISTEN: the server's /metrics, scraped over HTTP before and after a client adds (the server pins,
// fetching over Bitswap) and gets a file (served over Bitswap), moves with that work.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import { add, get } from '../src/client.ts'
import { readServerConfig } from '../src/run/config.ts'
import { randomFile, serverConfig, silent, startTestServer, tempDir } from './fixtures.ts'

test('pins, the blocks they hold and libp2p\'s connections show in /metrics as they happen', async () => {
  const server = await startTestServer(await serverConfig({ METRICS_LISTEN: '127.0.0.1:0' }))
  expect(server.ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const before = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(before, 'liftoff_pinned_blocks_total')).toBe(0)
  expect(sampleValue(before, 'libp2p_connection_manager_connections')).toBe(0)

  const dir = await tempDir()
  const source = await randomFile(dir, 'file.bin', 600_000)
  const { cid, pin } = await add(server.clientConfig, source, silent)
  expect(pin).toMatchObject({ ok: true })
  await get(server.clientConfig, cid, join(dir, 'copy.bin'), silent)
  expect(Buffer.compare(await readFile(join(dir, 'copy.bin')), await readFile(source))).toBe(0)

  const after = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(after, 'liftoff_pin_requests_total', '{outcome="ok"}')).toBe(1)
  expect(sampleValue(after, 'liftoff_pinned_blocks_total')).toBe(pin.ok ? pin.blocks : -1)
  // libp2p's own: the pin fetched the file's blocks over Bitswap, and the get was served them the same way
  expect(sampleValue(after, 'libp2p_data_transfer_bytes_total', '{protocol="/ipfs/bitswap/1.2.0 received"}'))
    .toBeGreaterThanOrEqual(600_000)
  expect(sampleValue(after, 'libp2p_data_transfer_bytes_total', '{protocol="/ipfs/bitswap/1.2.0 sent"}'))
    .toBeGreaterThanOrEqual(600_000)
  expect(sampleValue(after, 'libp2p_connection_manager_dials_total',
    '{libp2p_connection_manager_dials_total="inbound"}')).toBe(2)
  expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
})

test('off unless METRICS_LISTEN is set; a malformed one is one clear error', () => {
  expect(readServerConfig({}).metrics).toBeUndefined()
  expect(readServerConfig({ METRICS_LISTEN: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 })
  expect(() => readServerConfig({ METRICS_LISTEN: '9464' })).toThrow(/METRICS_LISTEN must look like/)
})
