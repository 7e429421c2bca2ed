// METRICS_LISTEN: the runner's /metrics, scraped over HTTP before and after real jobs, counts them by state.
import { expect, test } from 'vitest'
import { readRunnerConfig } from '../src/server.ts'
import { PROGRAMS, runnerConfig, startTestRunner, wasmJob } from './fixtures.ts'

/** One sample's value from Prometheus' text format (the sum over its label sets); undefined when absent. */
function sampleValue (text: string, name: string, labels = ''): number | undefined {
  const values = text.split('\n').filter(line => line.startsWith(`${name}${labels} `) || (labels === '' && line.startsWith(`${name}{`))).map(line => Number(line.slice(line.lastIndexOf(' ') + 1)))
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0)
}

async function scrape (url: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

test('jobs by state and libp2p\'s own show in /metrics as jobs run', async () => {
  const runner = await startTestRunner(await runnerConfig({ METRICS_LISTEN: '127.0.0.1:0' }))
  expect(runner.ready.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  const before = await scrape(runner.ready.metrics!)
  expect(sampleValue(before, 'liftoff_jobs')).toBe(0)

  for (const program of [PROGRAMS.printEnvironment, PROGRAMS.printEnvironment]) {
    const { JobID } = await runner.client.submitJob(await wasmJob(program))
    expect((await runner.client.waitForJob(JobID)).Job.State?.StateType).toBe('Completed')
  }

  const after = await scrape(runner.ready.metrics!)
  expect(sampleValue(after, 'liftoff_jobs', '{state="Completed"}')).toBe(2)
  expect(sampleValue(after, 'liftoff_jobs')).toBe(2)
  expect(sampleValue(after, 'libp2p_transport_manager_listeners')).toBeGreaterThanOrEqual(1)
  expect(sampleValue(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
})

test('off unless METRICS_LISTEN is set; a malformed one is one clear error', () => {
  expect(readRunnerConfig({}).metrics).toBeUndefined()
  expect(readRunnerConfig({ METRICS_LISTEN: '0.0.0.0:9464' }).metrics).toEqual({ host: '0.0.0.0', port: 9464 })
  expect(() => readRunnerConfig({ METRICS_LISTEN: '9464' })).toThrow('METRICS_LISTEN must look like 127.0.0.1:9464, got "9464"')
})
