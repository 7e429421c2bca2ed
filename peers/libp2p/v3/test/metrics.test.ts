// METRICS_LISTEN: the server's /metrics, scraped over HTTP before and after real work, moves with that work.
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { expect, test } from 'vitest'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import { readServerConfig } from '../src/run/config.ts'
import { echo } from '../src/echo.ts'
import { MessageSession } from '../src/messages.ts'
import { startClientNode, startTestServer } from './fixtures.ts'

test('echoes, messages and libp2p\'s connections show in /metrics as they happen', async () => {
  const server = await startTestServer({ metrics: { host: '127.0.0.1', port: 0 } })
  expect(server.ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const before = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(before, 'liftoff_echo_bytes_total')).toBe(0)
  expect(sampleValue(before, 'libp2p_connection_manager_connections')).toBe(0)

  const client = await startClientNode()
  const payload = randomBytes(300_000)
  expect(Buffer.compare(await echo(client, multiaddr(server.tcpAddress), payload), payload)).toBe(0)
  expect(Buffer.compare(await echo(client, multiaddr(server.tcpAddress), payload), payload)).toBe(0)
  const session = await MessageSession.open(client, multiaddr(server.tcpAddress))
  for (const text of ['one', 'two', 'three']) await session.request({ text })
  await session.close()

  const after = await scrapeMetrics(server.ready.metrics!)
  expect(sampleValue(after, 'liftoff_echo_streams_total')).toBe(2)
  expect(sampleValue(after, 'liftoff_echo_bytes_total')).toBe(2 * payload.byteLength)
  expect(sampleValue(after, 'liftoff_messages_total')).toBe(3)
  expect(sampleValue(after, 'libp2p_connection_manager_connections')).toBeGreaterThanOrEqual(1)
  expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
})

test('off unless METRICS_LISTEN is set; a malformed one is one clear error', () => {
  expect(readServerConfig({}).metrics).toBeUndefined()
  expect(readServerConfig({ METRICS_LISTEN: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 })
  expect(() => readServerConfig({ METRICS_LISTEN: '9464' }))
    .toThrow('METRICS_LISTEN must look like 127.0.0.1:9464, got "9464"')
})
