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

/** Go's time.Duration.String() of whole seconds, as Bacalhau words a timeout: "-5s", "-1h0m0s". */
function goSeconds (seconds: number): string {
  const sign = seconds < 0 ? '-' : ''
  const total = Math.abs(seconds)
  const [hours, minutes, rest] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60]
  return `${sign}${hours > 0 ? `${hours}h${minutes}m` : minutes > 0 ? `${minutes}m` : ''}${rest}s`
}

/**
 * Throws what Bacalhau answers with a 400 (a negative ExecutionTimeout in its words). Beyond Bacalhau, this
 * runner refuses an ExecutionTimeout that is not a whole number or is over `maxTimeoutSeconds`: a job may
 * not hold an execution slot for longer than the operator allows.
 */
export function validateJob (job: unknown, limits: { maxTimeoutSeconds: number }): asserts job is Job {
  if (typeof job !== 'object' || job === null) fail('empty/nil job')
  const { Type, Tasks } = job as Partial<Job>
  if (!Array.isArray(Tasks) || Tasks.length === 0) fail('missing job tasks')
  if (!JOB_TYPES.includes(String(Type))) fail(`invalid job type: "${String(Type)}"`)
  for (const task of Tasks) {
    const network = (task.Network as { Type?: unknown } | undefined)?.Type
    if (network !== undefined && typeof network !== 'string') {
      fail('code=400, message=Unmarshal type error: expected=models.Network, ' +
        `got=${typeof network}, field=Job.alias.Tasks.Network.Type`)
    }
    if (task.Engine === undefined || task.Engine === null) {
      fail(`task ${String(task.Name)} validation failed: invalid engine: nil spec config`)
    }
    const timeout: unknown = task.Timeouts?.ExecutionTimeout
    if (timeout === undefined || timeout === null) continue
    if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout)) {
      const got = typeof timeout === 'number' ? 'number' : typeof timeout
      fail(`code=400, message=Unmarshal type error: expected=int64, got=${got}, ` +
        'field=Job.alias.Tasks.Timeouts.ExecutionTimeout')
    }
    if (timeout < 0) {
      fail(`task ${String(task.Name)} validation failed: invalid timeouts: ` +
        `invalid execution timeout value: ${goSeconds(timeout)}`)
    }
    if (timeout > limits.maxTimeoutSeconds) {
      fail(`task ${String(task.Name)}: ExecutionTimeout ${timeout}s is over this runner's maximum of ` +
        `${limits.maxTimeoutSeconds}s (MAX_EXECUTION_TIMEOUT_SECONDS)`)
    }
  }
}

export function submissionWarnings (job: Job): string[] {
  return job.Tasks.length > 1 ? ['only one task is supported per job'] : []
}
