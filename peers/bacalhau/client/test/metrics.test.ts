// METRICS_LISTEN: the runner's /metrics, scraped over HTTP before and after real jobs, counts them by state.
import { expect, test } from 'vitest'
import { sampleValue, scrapeMetrics } from '../../../../scripts/testing/prometheus.ts'
import { readRunnerConfig } from '../src/run/config.ts'
import { PROGRAMS, runnerConfig, startTestRunner, wasmJob } from './fixtures.ts'

test('jobs by state and libp2p\'s own show in /metrics as jobs run', async () => {
  const runner = await startTestRunner(await runnerConfig({ METRICS_LISTEN: '127.0.0.1:0' }))
  expect(runner.ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const before = await scrapeMetrics(runner.ready.metrics!)
  expect(sampleValue(before, 'liftoff_jobs')).toBe(0)

  for (const program of [PROGRAMS.printEnvironment, PROGRAMS.printEnvironment]) {
    const { JobID } = await runner.client.submitJob(await wasmJob(program))
    expect((await runner.client.waitForJob(JobID)).Job.State?.StateType).toBe('Completed')
  }

  const after = await scrapeMetrics(runner.ready.metrics!)
  expect(sampleValue(after, 'liftoff_jobs', '{state="Completed"}')).toBe(2)
  expect(sampleValue(after, 'liftoff_jobs')).toBe(2)
  expect(sampleValue(after, 'libp2p_transport_manager_listeners')).toBeGreaterThanOrEqual(1)
  expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
})

test('off unless METRICS_LISTEN is set; a malformed one is one clear error', () => {
  expect(readRunnerConfig({}).metrics).toBeUndefined()
  expect(readRunnerConfig({ METRICS_LISTEN: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 })
  expect(() => readRunnerConfig({ METRICS_LISTEN: '9464' }))
    .toThrow('METRICS_LISTEN must look like 127.0.0.1:9464, got "9464"')
})
