// The runner's harness: its settings from the environment, the refusal to listen beyond loopback without a
// token, Prometheus metrics, the READY line and ready.json (the compose health check reads it), signals and
// a stop deadline. src/server.ts hands its story over here.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { requireTokenBeyondLoopback } from '../runner/access.ts'
import { readRunnerConfig, type RunnerConfig } from './config.ts'
import { oneLine } from './env.ts'
import { runnerMetrics, serveMetrics } from './metrics.ts'
import { VERSION } from '../runner/api.ts'
import type { Registry } from 'prom-client'
import type { LocalRunner, RunnerSettings } from '../server.ts'
import type { JobStore } from '../runner/store.ts'
import type { JobStateType } from '../client/types.ts'

export type StartRunner = (settings: RunnerSettings, metricsRegistry?: Registry) => Promise<LocalRunner>

export interface Ready {
  api: string
  ipfs: string[]
  version: string
  /** The URL Prometheus scrapes, when METRICS_LISTEN is set. */
  metrics?: string
}

export interface RunningRunner {
  ready: Ready
  store: JobStore
  stop: () => Promise<void>
}

/** Starts the runner with the harness around it; tests and benchmarks start it this way too. */
export async function startServer (config: RunnerConfig, start: StartRunner): Promise<RunningRunner> {
  requireTokenBeyondLoopback(config.apiHost, config.apiPort, config.token)
  const readyFile = join(config.dataDir, 'ready.json')
  await rm(readyFile, { force: true })
  await mkdir(config.dataDir, { recursive: true })
  // read at each scrape, which comes after the runner has started
  const jobStates = (): JobStateType[] => runner.store.list().map(record => record.job.State?.StateType ?? 'Undefined')
  const registry = config.metrics === undefined ? undefined : runnerMetrics(jobStates)
  const runner = await start(config, registry)
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined
  try {
    if (registry !== undefined && config.metrics !== undefined) {
      metricsServer = await serveMetrics(registry, config.metrics.host, config.metrics.port)
    }
    const ready: Ready = {
      api: runner.api,
      ipfs: runner.ipfs,
      version: VERSION.GitVersion,
      ...(metricsServer === undefined ? {} : { metrics: metricsServer.url })
    }
    await writeFile(readyFile, JSON.stringify(ready) + '\n')
    const stop = async (): Promise<void> => {
      await metricsServer?.close()
      await runner.stop()
      await rm(readyFile, { force: true })
    }
    return { ready, store: runner.store, stop }
  } catch (err) {
    await metricsServer?.close()
    await runner.stop()
    throw err
  }
}

const STOP_DEADLINE_MS = 10_000

/** `node src/server.ts`: READY once listening, a clean stop on SIGINT or SIGTERM, one-line errors. */
export async function runServer (start: StartRunner): Promise<void> {
  let running: RunningRunner | undefined
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping`)
    const timer = setTimeout(() => {
      console.error(`server: did not stop within ${STOP_DEADLINE_MS} ms`)
      process.exit(1)
    }, STOP_DEADLINE_MS)
    Promise.resolve(running?.stop()).then(() => {
      clearTimeout(timer)
      console.log('stopped')
      process.exit(0)
    }, (err: Error) => {
      console.error(`server: stop failed: ${err.message}`)
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  try {
    running = await startServer(readRunnerConfig(), start)
    const { ready } = running
    console.log(`READY ${JSON.stringify(ready)}`)
    console.log('ipfs-liftoff local runner: NOT Bacalhau. A development stand-in that speaks the Bacalhau v1.9.3 API')
    console.log(`and runs WASM batch jobs. API: ${ready.api}/api/v1 (BACALHAU_API=${ready.api})`)
    console.log(`IPFS node: ${ready.ipfs.join(', ')}`)
    console.log(`${running.store.list().length} jobs on record`)
  } catch (err) {
    console.error(`server: ${oneLine(err)}`)
    process.exit(1)
  }
}
