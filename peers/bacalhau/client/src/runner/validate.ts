// The checks Bacalhau's orchestrator makes on a submitted job, plus what this runner cannot do (it runs
// WASM batch jobs only). A failure is answered like Bacalhau answers one: 400 with its error JSON.
import type { Job } from '../client/types.ts'

export const SUPPORTED_SOURCES = ['urlDownload', 'inline', 'ipfs'] as const
export const SUPPORTED_PUBLISHERS = ['local', 'ipfs'] as const

export class ValidationError extends Error {}

function fail (message: string): never {
  throw new ValidationError(message)
}

export function validateJob (job: unknown): asserts job is Job {
  if (typeof job !== 'object' || job === null) fail('missing Job')
  const { Type, Tasks } = job as Partial<Job>
  if (Type !== 'batch') fail(`job type "${String(Type)}" is not supported by this local runner, which runs batch jobs only`)
  if (!Array.isArray(Tasks) || Tasks.length !== 1) fail('a job must have exactly one task')
  const [task] = Tasks as NonNullable<Job['Tasks']>
  if (task === undefined || typeof task.Name !== 'string' || task.Name === '') fail('task name is required')
  const engine = task.Engine as { Type?: unknown, Params?: Record<string, unknown> } | undefined
  if (engine?.Type === undefined || engine.Type === '') fail(`task ${task.Name}: engine type is required`)
  if (engine.Type !== 'wasm') fail(`task ${task.Name}: engine type "${String(engine.Type)}" is not supported: this local runner runs wasm jobs only (docker jobs need real Bacalhau: docker compose --profile bacalhau)`)
  const inputs = task.InputSources ?? []
  const entryModule = engine.Params?.EntryModule
  if (typeof entryModule !== 'string' || entryModule === '') fail(`task ${task.Name}: wasm engine: EntryModule is required`)
  if (!inputs.some(input => input.Target === entryModule)) fail(`task ${task.Name}: wasm engine: EntryModule "${String(entryModule)}" must be the Target of one of the task's InputSources`)
  for (const input of inputs) {
    if (typeof input.Target !== 'string' || !input.Target.startsWith('/')) fail(`task ${task.Name}: input source target must be an absolute path, got "${String(input.Target)}"`)
    if (!(SUPPORTED_SOURCES as readonly string[]).includes(input.Source?.Type)) fail(`task ${task.Name}: input source type "${String(input.Source?.Type)}" is not supported (supported: ${SUPPORTED_SOURCES.join(', ')})`)
  }
  const publisher = task.Publisher?.Type
  if (publisher !== undefined && !(SUPPORTED_PUBLISHERS as readonly string[]).includes(publisher)) fail(`task ${task.Name}: publisher type "${publisher}" is not supported (supported: ${SUPPORTED_PUBLISHERS.join(', ')})`)
  for (const resultPath of task.ResultPaths ?? []) {
    if (typeof resultPath.Name !== 'string' || resultPath.Name === '' || typeof resultPath.Path !== 'string' || !resultPath.Path.startsWith('/')) fail(`task ${task.Name}: a result path needs a Name and an absolute Path`)
  }
}
