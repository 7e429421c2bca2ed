// What Bacalhau v1.9.3's orchestrator refuses at submission (400, word for word as the interop suite saw
// it). It refuses little: a job whose input, publisher or entry module is wrong is accepted and fails
// when it runs, as here. Extra tasks are accepted with a warning and only the first runs.
import type { Job } from '../client/types.ts'

export const SUPPORTED_SOURCES = ['urlDownload', 'inline', 'ipfs'] as const
export const SUPPORTED_PUBLISHERS = ['local', 'ipfs'] as const
const JOB_TYPES = ['batch', 'ops', 'daemon', 'service']

export class ValidationError extends Error {}

function fail (message: string): never {
  throw new ValidationError(message)
}

/** Throws what Bacalhau answers with a 400; returns the submission's warnings. */
export function validateJob (job: unknown): asserts job is Job {
  if (typeof job !== 'object' || job === null) fail('empty/nil job')
  const { Type, Tasks } = job as Partial<Job>
  if (!Array.isArray(Tasks) || Tasks.length === 0) fail('missing job tasks')
  if (!JOB_TYPES.includes(String(Type))) fail(`invalid job type: "${String(Type)}"`)
  for (const task of Tasks) {
    const network = (task.Network as { Type?: unknown } | undefined)?.Type
    if (network !== undefined && typeof network !== 'string') {
      fail(`code=400, message=Unmarshal type error: expected=models.Network, got=${typeof network}, field=Job.alias.Tasks.Network.Type`)
    }
    if (task.Engine === undefined || task.Engine === null) fail(`task ${String(task.Name)} validation failed: invalid engine: nil spec config`)
  }
}

export function submissionWarnings (job: Job): string[] {
  return job.Tasks.length > 1 ? ['only one task is supported per job'] : []
}
