// Where the time goes: a CPU profile (node:inspector, this process) of one piece of work, self time summed
// by owner (the npm package, a node: module, or native work such as idle and garbage collection).
import { round } from './measure.ts'

/** Starts profiling this process; the returned function stops and gives the table of self time by owner. */
export async function startCpuProfile (rows = 12): Promise<() => Promise<string>> {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  } catch (err) {
    session.disconnect()
    throw err
  }
  return async () => {
    try {
      const { profile } = await session.post('Profiler.stop')
      const selfMs = new Map<string, number>()
      const byNode = new Map(profile.nodes.map(node => [node.id, node]))
      const deltas = profile.timeDeltas ?? []
      for (const [index, sample] of (profile.samples ?? []).entries()) {
        const frame = byNode.get(sample)?.callFrame
        const url = frame?.url ?? ''
        const owner =
          /node_modules\/\.pnpm\/([^/]+?)@\d/.exec(url)?.[1]?.replace('+', '/') ??
          (url.startsWith('node:')
            ? `node:${url.slice(5).split('/')[0]} ${frame?.functionName ?? ''}`
            : url === ''
              ? `native ${frame?.functionName ?? ''}`
              : '(our code)')
        selfMs.set(owner, (selfMs.get(owner) ?? 0) + (deltas[index] ?? 0) / 1000)
      }
      const total = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0)
      const lines = [...selfMs.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows)
        .map(([owner, ms]) => `| ${owner} | ${round(ms, 0)} | ${round(ms / total * 100, 1)} % |`)
      return ['| where (self time) | ms | share |', '| --- | --- | --- |', ...lines].join('\n')
    } finally {
      session.disconnect()
    }
  }
}

export async function cpuProfile<T> (work: () => Promise<T>, rows = 12): Promise<{ value: T, table: string }> {
  const stop = await startCpuProfile(rows)
  let value: T
  try {
    value = await work()
  } catch (err) {
    await stop()
    throw err
  }
  return { value, table: await stop() }
}
