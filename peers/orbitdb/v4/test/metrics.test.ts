// METRICS_LISTEN: the server's /metrics, scraped over HTTP before and after a writer's documents are
// confirmed, moves with that work.
import { expect, test } from 'vitest'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import { readServerConfig } from '../src/run/config.ts'
import { documentIds, runAs, serverConfig, startTestServer, writer } from './fixtures.ts'

test('confirmed entries, hosting requests and libp2p\'s own show in /metrics as they happen', async () => {
  const alice = await writer('alice')
  const server = await startTestServer(await serverConfig({ WRITERS: alice.identityId, METRICS_LISTEN: '127.0.0.1:0' }))
  expect(server.ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const before = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(before, 'liftoff_hosted_databases')).toBe(1)
  expect(sampleValue(before, 'liftoff_host_requests_total')).toBeUndefined()

  const written = await runAs(alice, server, { WRITES: '30' })
  expect(await documentIds(server)).toEqual([...written.written].sort())

  const after = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(after, 'liftoff_confirmed_entries', `{database="${server.ready.address}"}`)).toBe(30)
  expect(sampleValue(after, 'liftoff_host_requests_total', '{op="await",outcome="ok"}')).toBeGreaterThanOrEqual(1)
  expect(sampleValue(after, 'liftoff_database_updates_total')).toBeGreaterThanOrEqual(1)
  expect(sampleValue(after, 'liftoff_hosted_databases')).toBe(1)
  const received = '{protocol="/liftoff/orbitdb-host/1.0.0 received"}'
  expect(sampleValue(after, 'libp2p_data_transfer_bytes_total', received)).toBeGreaterThan(0)
  const inbound = '{libp2p_connection_manager_dials_total="inbound"}'
  expect(sampleValue(after, 'libp2p_connection_manager_dials_total', inbound)).toBeGreaterThanOrEqual(1)
})

test('off unless METRICS_LISTEN is set; a malformed one is one clear error', () => {
  expect(readServerConfig({}).metrics).toBeUndefined()
  expect(readServerConfig({ METRICS_LISTEN: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 })
  expect(() => readServerConfig({ METRICS_LISTEN: '9464' }))
    .toThrow('METRICS_LISTEN must look like 127.0.0.1:9464, got "9464"')
})
