// Jobs with their executions and history, in memory and in DATA_DIR/jobs/<id>.json (written atomically
// after every change), so they survive a restart. 'change' fires with the job ID after each save.
import { EventEmitter } from 'node:events'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJson, stringifyJson } from '../client/json.ts'
import type { Execution, Job, JobHistory } from '../client/types.ts'

export interface JobRecord {
  job: Job & { ID: string, CreateTime: bigint, ModifyTime: bigint }
  executions: Execution[]
  history: JobHistory[]
}

export class JobStore extends EventEmitter<{ change: [jobId: string] }> {
  private readonly directory: string
  private readonly records = new Map<string, JobRecord>()
  /** One write at a time per job, each taking the record as it is when its turn comes. */
  private readonly writes = new Map<string, Promise<void>>()

  constructor (dataDir: string) {
    super()
    this.directory = join(dataDir, 'jobs')
  }

  async load (): Promise<JobRecord[]> {
    await mkdir(this.directory, { recursive: true })
    for (const file of (await readdir(this.directory)).filter(name => name.endsWith('.json'))) {
      const record = parseJson(await readFile(join(this.directory, file), 'utf8')) as JobRecord
      this.records.set(record.job.ID, record)
    }
    return this.list()
  }

  /** By ID, by name, or by a unique ID prefix, as Bacalhau resolves them. */
  find (idOrName: string): JobRecord | undefined {
    const exact = this.records.get(idOrName) ?? this.list().find(record => record.job.Name === idOrName)
    if (exact !== undefined) return exact
    const byPrefix = this.list().filter(record => record.job.ID.startsWith(idOrName))
    return byPrefix.length === 1 ? byPrefix[0] : undefined
  }

  /** Oldest first. */
  list (): JobRecord[] {
    const order = (a: JobRecord, b: JobRecord): number =>
      a.job.CreateTime < b.job.CreateTime ? -1 : a.job.CreateTime > b.job.CreateTime ? 1 : 0
    return [...this.records.values()].sort(order)
  }

  async save (record: JobRecord): Promise<void> {
    const id = record.job.ID
    this.records.set(id, record)
    const file = join(this.directory, `${id}.json`)
    const write = (this.writes.get(id) ?? Promise.resolve()).then(async () => {
      await writeFile(`${file}.tmp`, stringifyJson(record))
      await rename(`${file}.tmp`, file)
    })
    this.writes.set(id, write.catch(() => {}))
    await write
    this.emit('change', id)
  }
}
