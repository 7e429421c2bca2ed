// Peers in processes of their own, as users run them: a benchmark's other side started as a child that
// prints READY {json}, and the raw TCP baseline measured the same way (the sink in its own process).
import { join } from 'node:path'
import { startProcess, waitForReady } from '../testing/processes.ts'
import { rawTcpThroughputTo } from './measure.ts'
import { rawWsThroughputTo } from './raw-ws.ts'

/** How a row measured with the two peers in two processes says so; rows without it had both in one. */
export const SEPARATE = ', peers in separate processes'

/** `script` (in scripts/bench) run by Node with `env` until `stop`; resolves with what its READY line said. */
export async function benchProcess<Ready> (
  script: string,
  env: Record<string, string>,
  label: string,
  readyTimeoutMs = 30_000
): Promise<{ ready: Ready, pid: number, stop: () => Promise<void> }> {
  const role = startProcess(['node', join(import.meta.dirname, script)], {
    cwd: join(import.meta.dirname, '..', '..'),
    label,
    env
  })
  try {
    const ready = await waitForReady<Ready>(role, readyTimeoutMs)
    return { ready, pid: role.child.pid!, stop: async () => { await role.stop('SIGTERM', 10_000) } }
  } catch (err) {
    await role.stop('SIGKILL')
    throw err
  }
}

/** A benchmark sink in a process of its own (scripts/bench/sink-process.ts), until `stop`. */
export async function sinkProcess<Ready> (env: {
  SINK: 'raw' | 'raw-ws' | 'libp2p-v1' | 'libp2p-v3'
  YAMUX?: 'defaults' | 'shipped'
  PROFILE_TABLE?: string
}): Promise<{ ready: Ready, stop: () => Promise<void> }> {
  return benchProcess<Ready>('sink-process.ts', env, `sink ${env.SINK}`)
}

/** Raw TCP to a sink in a process of its own, for each connection count in `streams`: MiB/s, best of three each. */
export async function rawTcpSeparate (total: number, streams: number[], chunkSize: number): Promise<number[]> {
  const sink = await sinkProcess<{ port: number }>({ SINK: 'raw' })
  try {
    const results: number[] = []
    for (const count of streams) {
      results.push(await rawTcpThroughputTo(sink.ready.port, total / count, count, chunkSize))
    }
    return results
  } finally {
    await sink.stop()
  }
}

/** Raw WebSockets (one connection, `chunkSize` messages) to a sink in a process of its own: MiB/s, best of three. */
export async function rawWsSeparate (bytes: number, chunkSize: number): Promise<number> {
  const sink = await sinkProcess<{ port: number }>({ SINK: 'raw-ws' })
  try {
    return await rawWsThroughputTo(sink.ready.port, bytes, chunkSize)
  } finally {
    await sink.stop()
  }
}
