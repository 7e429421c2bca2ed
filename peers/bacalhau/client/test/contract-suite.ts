// One contract, two backends: the typed client against the local runner (test/contract.test.ts, in the main
// suite) and against real Bacalhau v1.9.3 (test/interop/bacalhau.test.ts, in the interop tier). Every
// expectation here is what real Bacalhau answered; the runner is made to answer the same.
import { once } from 'node:events'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import {
  BacalhauClient, ExecutionState, downloadResult, executionStateName, type GetJobResponse, type JobHistory
} from '../src/client/index.ts'
import { readDemoConfig } from '../src/run/config.ts'
import { runDemo } from '../src/client.ts'
import { PROGRAMS, tempDir, wasmJob } from './fixtures.ts'
import { expectWire, raw } from './wire.ts'

const JSON_HEADERS = { 'Content-Type': 'application/json' }

export interface Backend {
  /** The API base URL, e.g. http://127.0.0.1:1234 */
  api: string
  /** An IPFS peer the demo's node dials and the backend's compute node reads inputs from. */
  ipfsPeer: string
  /** The node as Bacalhau names it in its messages ("Requested execution on …"). */
  nodeName: string
  stop: () => Promise<void>
}

const silent = (): void => {}
const NOT_ENOUGH_NODES = 'not enough nodes to run job. requested: 1, available: 1, suitable: 0.\n• Node '

function events (history: JobHistory[] | null | undefined): string[] {
  return (history ?? []).map(entry => `${entry.Type} | ${entry.Event.Topic ?? ''} | ${entry.Event.Message}`)
}

export function bacalhauContract (name: string, start: () => Promise<Backend>): void {
  describe(`the Bacalhau API contract: ${name}`, () => {
    let backend: Backend
    let client: BacalhauClient
    beforeAll(async () => {
      backend = await start()
      client = new BacalhauClient({ baseUrl: backend.api })
    }, 120_000)
    afterAll(async () => backend?.stop(), 30_000)

    const api = (): string => `${backend.api}/api/v1`
    const finished = async (jobId: string): Promise<GetJobResponse> => {
      await client.waitForJob(jobId, { signal: AbortSignal.timeout(60_000) })
      return client.getJob(jobId, { executions: true, history: true })
    }
    const demo = async (publisher: 'ipfs' | 'local') => {
      const input = join(await tempDir(), 'input.txt')
      await writeFile(input, 'the quick brown fox\njumps over\n\tthe lazy dog\n')
      const env = { BACALHAU_API: backend.api, IPFS_PEER: backend.ipfsPeer, INPUT_FILE: input, PUBLISHER: publisher }
      return runDemo(readDemoConfig(env), silent)
    }

    test('the demo: input on IPFS → WASM job → output CID, with the states, messages and history', async () => {
      const outcome = await demo('ipfs')
      expect(outcome.counts).toEqual({ bytes: 45, lines: 3, words: 9 })
      expect(outcome.result).toMatch(/^ipfs (Qm|bafy)\w+$/)
      const { Job, Executions, History } = await client.getJob(outcome.jobId, { executions: true, history: true })
      expect(Job.State).toEqual({ StateType: 'Completed' })
      const [execution, ...others] = Executions?.Items ?? []
      expect(others).toEqual([])
      expect(execution?.ComputeState).toEqual({ StateType: ExecutionState.Completed, Message: 'Running' })
      expect(execution?.DesiredState).toEqual({ StateType: 2, Message: 'execution completed' })
      // wordcount returns from _start without proc_exit: Bacalhau's wazero reports exit code -1
      expect(execution?.RunOutput)
        .toMatchObject({ Stdout: '{"bytes":45,"lines":3,"words":9}\n', stderr: '', ExitCode: -1, ErrorMsg: '' })
      expect(execution?.PublishedResult)
        .toEqual({ Type: 'ipfs', Params: { CID: outcome.result.slice('ipfs '.length) } })
      expect(events(History?.Items)).toEqual([
        'JobLevel | Submission | Job submitted',
        `ExecutionLevel | Scheduling | Requested execution on ${backend.nodeName}`,
        'JobLevel | State Update | Running',
        'ExecutionLevel | Execution | Running',
        'ExecutionLevel | Execution | Completed successfully',
        'JobLevel | State Update | Completed'
      ])
      expect(History?.Items?.[2]?.Event.Details).toEqual({ NewState: 'Running' })
      expect((await client.results(outcome.jobId)).Items).toEqual([execution?.PublishedResult])
    })

    test('the local publisher: a tar.gz over HTTP, as urlDownload, with outputs, stdout, exitCode', async () => {
      const { jobId } = await demo('local')
      const [result] = (await client.results(jobId)).Items ?? []
      const url = expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/.*e-[0-9a-f-]+\.tar\.gz$/) as unknown
      expect(result).toMatchObject({ Type: 'urlDownload', Params: { URL: url } })
      const dir = await tempDir()
      await downloadResult(result!, dir)
      const counts: unknown = JSON.parse(await readFile(join(dir, 'outputs', 'counts.json'), 'utf8'))
      expect(counts).toEqual({ bytes: 45, lines: 3, words: 9 })
      expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('{"bytes":45,"lines":3,"words":9}\n')
      expect(await readFile(join(dir, 'exitCode'), 'utf8')).toBe('-1')
    })

    test('every endpoint answers in the spec\'s shapes (with the wire overlay)', async () => {
      expectWire('apimodels.IsAliveResponse', (await raw(`${api()}/agent/alive`)).text)
      expectWire('apimodels.GetVersionResponse', (await raw(`${api()}/agent/version`)).text)
      expectWire('models.NodeInfo', (await raw(`${api()}/agent/node`)).text)
      expectWire('apimodels.ListNodesResponse', (await raw(`${api()}/orchestrator/nodes`)).text)
      const body = JSON.stringify({ Job: await wasmJob(PROGRAMS.printEnvironment), Force: false })
      const put = await raw(`${api()}/orchestrator/jobs`, { method: 'PUT', headers: JSON_HEADERS, body })
      expectWire('apimodels.PutJobResponse', put.text)
      const { JobID } = JSON.parse(put.text) as { JobID: string }
      await client.waitForJob(JobID, { signal: AbortSignal.timeout(60_000) })
      for (const path of [`/orchestrator/jobs/${JobID}?include=history,executions`, `/orchestrator/jobs/${JobID}`]) {
        expectWire('apimodels.GetJobResponse', (await raw(`${api()}${path}`)).text)
      }
      expectWire('apimodels.ListJobsResponse', (await raw(`${api()}/orchestrator/jobs?limit=10`)).text)
      const executions = await raw(`${api()}/orchestrator/jobs/${JobID}/executions`)
      expectWire('apimodels.ListJobExecutionsResponse', executions.text)
      expectWire('apimodels.ListJobHistoryResponse', (await raw(`${api()}/orchestrator/jobs/${JobID}/history`)).text)
      expectWire('apimodels.ListJobResultsResponse', (await raw(`${api()}/orchestrator/jobs/${JobID}/results`)).text)
      // job states are strings, execution states integers, times nanoseconds past 2^53
      type Described = {
        Job: { State: { StateType: unknown }, CreateTime: number }
        Executions: { Items: Array<{ ComputeState: { StateType: unknown } }> }
      }
      const job = JSON.parse((await raw(`${api()}/orchestrator/jobs/${JobID}?include=executions`)).text) as Described
      expect(job.Job.State.StateType).toBe('Completed')
      expect(job.Executions.Items[0]!.ComputeState.StateType).toBe(9)
      expect(job.Job.CreateTime).toBeGreaterThan(Number.MAX_SAFE_INTEGER)
    })

    test('jobs list oldest first (newest with reverse), page, filter by label; a job resolves by name', async () => {
      const label = `run-${Math.random().toString(36).slice(2)}`
      const ids: string[] = []
      for (let index = 0; index < 3; index++) {
        const job = { ...await wasmJob(PROGRAMS.printEnvironment), Labels: { batch: label } }
        ids.push((await client.submitJob(job)).JobID)
      }
      for (const reverse of [false, true]) {
        const listed: string[] = []
        for await (const job of client.jobs({ limit: 2, labels: `batch=${label}`, reverse })) listed.push(job.ID!)
        expect(listed).toEqual(reverse ? [...ids].reverse() : ids)
      }
      const { Job } = await client.getJob(ids[0]!)
      expect((await client.getJob(Job.Name)).Job.ID).toBe(ids[0])
      for (const id of ids) await client.waitForJob(id, { signal: AbortSignal.timeout(60_000) })
    })

    test('Env, Parameters and Bacalhau\'s variables reach the program; a non-zero exit completes', async () => {
      const options = { env: { GREETING: 'hi' }, parameters: ['--alpha', 'beta'] }
      const printed = await client.submitJob(await wasmJob(PROGRAMS.printEnvironment, options))
      const { Executions } = await finished(printed.JobID)
      const environment = [
        `BACALHAU_EXECUTION_ID=${Executions?.Items?.[0]?.ID}`, `BACALHAU_JOB_ID=${printed.JobID}`,
        'BACALHAU_JOB_TYPE=batch', 'BACALHAU_PARTITION_COUNT=1', 'BACALHAU_PARTITION_INDEX=0', 'GREETING=hi'
      ]
      expect(Executions?.Items?.[0]?.RunOutput?.Stdout).toBe(environment.map(line => `${line}\n`).join(''))
      // the published stdout holds every write: the environment, then argv (the program name is empty)
      const dir = await tempDir()
      await downloadResult((await client.results(printed.JobID)).Items![0]!, dir)
      expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe([...environment, '', '--alpha', 'beta', ''].join('\n'))

      const exited = await client.submitJob(await wasmJob(PROGRAMS.exitThree))
      const done = await finished(exited.JobID)
      expect(done.Job.State).toEqual({ StateType: 'Completed' })
      expect(done.Executions?.Items?.[0]?.RunOutput).toMatchObject({ ExitCode: 3, ErrorMsg: '' })
      expect((await client.results(exited.JobID)).Items).toHaveLength(1)
    })

    test.each([
      ['a trap', PROGRAMS.trap, {}, /^wasm error: unreachable/],
      ['the execution timeout', PROGRAMS.spin, { timeoutSeconds: 1 }, /^Execution timed out after 1s$/]
    ])('%s fails the execution twice (one retry), then the job fails', async (_case, program, options, message) => {
      const { JobID } = await client.submitJob(await wasmJob(program, options))
      const { Job, Executions, History } = await finished(JobID)
      const retried = `${NOT_ENOUGH_NODES}${backend.nodeName}: job already executed on this node more than once`
      expect(Job.State).toEqual({ StateType: 'Failed', Message: retried })
      expect(Executions?.Items).toHaveLength(2)
      for (const execution of Executions?.Items ?? []) {
        expect(executionStateName(execution.ComputeState.StateType)).toBe('Failed')
        expect(execution.ComputeState.Message).toMatch(message)
        expect(execution.DesiredState).toEqual({ StateType: 2, Message: 'execution failed' })
        expect(execution.PublishedResult).toEqual({ Type: '' })
      }
      expect(events(History?.Items).filter(line => line.includes('Running Execution'))).toHaveLength(2)
      expect(History?.Items?.at(-1)?.Event.Details)
        .toEqual({ IsError: 'true', NodesAvailable: '1', NodesRequested: '1', NodesSuitable: '0' })
    })

    test('accepted, then failed: no entry module input, a module without a name section, a docker job', async () => {
      const noModule = await wasmJob(PROGRAMS.trap)
      noModule.Tasks[0]!.InputSources = []
      const missing = await finished((await client.submitJob(noModule)).JobID)
      const notFound = 'failed to load entry module /app/main.wasm: module not found: "/app/main.wasm"'
      const missingMessages = missing.Executions?.Items?.map(execution => execution.ComputeState.Message)
      expect(missingMessages).toEqual(Array(2).fill(notFound))

      const nameless = await client.submitJob(await wasmJob(PROGRAMS.printEnvironment, { nameSection: false }))
      const unnamed = await finished(nameless.JobID)
      expect(unnamed.Executions?.Items?.[0]?.ComputeState.Message).toBe('failed to load entry module /app/main.wasm: ' +
        'failed to compile module at "/app/main.wasm": Name section not found')

      const docker = await wasmJob(PROGRAMS.trap)
      docker.Tasks[0]!.Engine = { Type: 'docker', Params: { Image: 'ubuntu:24.04', Entrypoint: ['echo', 'hi'] } }
      const dockerJob = await finished((await client.submitJob(docker)).JobID)
      const noDocker = `${NOT_ENOUGH_NODES}${backend.nodeName}: does not support docker, only wasm`
      expect(dockerJob.Job.State).toEqual({ StateType: 'Failed', Message: noDocker })
      expect(dockerJob.Executions?.Items ?? []).toEqual([])
      expect(events(dockerJob.History?.Items))
        .toEqual(['JobLevel | Submission | Job submitted', `JobLevel | Scheduling | ${dockerJob.Job.State?.Message}`])
    })

    test('stopping a running job: Stopped, its execution Cancelled; stopping it again is a no-op', async () => {
      const { JobID } = await client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 600 }))
      const running = new AbortController()
      await client.waitForJob(JobID, {
        signal: AbortSignal.any([running.signal, AbortSignal.timeout(30_000)]),
        onStateChange: job => { if (job.Job.State?.StateType === 'Running') running.abort() }
      }).catch((err: unknown) => { if (!running.signal.aborted) throw err })
      expect((await client.stopJob(JobID, 'enough spinning')).EvaluationID).not.toBe('')
      const { Job, Executions, History } = await finished(JobID)
      expect(Job.State).toEqual({ StateType: 'Stopped', Message: 'enough spinning' })
      const stopEvent = History?.Items?.find(entry => entry.Event.Message === 'Job requested to stop before completion')
      expect(stopEvent?.Event.Details).toEqual({ Reason: 'enough spinning' })
      expect(Executions?.Items?.[0]?.ComputeState)
        .toEqual({
          StateType: ExecutionState.Cancelled, Message: 'Execution stop requested because job has been stopped'
        })
      expect(events(History?.Items).slice(-2)).toEqual([
        'JobLevel | Scheduling | Job requested to stop before completion',
        'ExecutionLevel | Scheduling | Execution stop requested because job has been stopped'
      ])
      expect(await client.stopJob(JobID)).toEqual({ EvaluationID: '' })
    })

    test('errors carry Bacalhau\'s error JSON: unknown IDs, specs it refuses, bodies it cannot read', async () => {
      for (const [method, path] of [
        ['GET', '/orchestrator/jobs/j-missing'],
        ['GET', '/orchestrator/jobs/j-missing/executions'],
        ['DELETE', '/orchestrator/jobs/j-missing']
      ]) {
        const response = await raw(`${api()}${path}`, { method })
        expect(response.status).toBe(404)
        expect(JSON.parse(response.text))
          .toEqual({
            Status: 404, Message: 'job not found: j-missing', RequestID: '', Code: 'NotFound', Component: 'JobStore'
          })
      }
      const put = async (body: string): Promise<unknown> => {
        const response = await raw(`${api()}/orchestrator/jobs`, { method: 'PUT', headers: JSON_HEADERS, body })
        expect(response.status).toBe(400)
        return JSON.parse(response.text)
      }
      const refused = (message: unknown): unknown =>
        ({ Status: 400, Message: message, RequestID: '', Code: 'InternalError', Component: 'APIServer' })
      expect(await put('{"Job":{"Type":"batch","Tasks":[]}}')).toEqual(refused('missing job tasks'))
      expect(await put('{"Job":{"Type":"batch","Count":1,"Tasks":[{"Name":"main"}]}}'))
        .toEqual(refused('task main validation failed: invalid engine: nil spec config'))
      const nonsense = '{"Job":{"Type":"nonsense","Count":1,"Tasks":[{"Name":"a","Engine":{"Type":"wasm",' +
        '"Params":{"EntryModule":"/x"}}}]}}'
      expect(await put(nonsense)).toEqual(refused('invalid job type: "nonsense"'))
      const syntax = /^code=400, message=Syntax error: offset=\d+, error=/
      expect(await put('{not json')).toEqual(refused(expect.stringMatching(syntax)))
      const numericNetwork = '{"Job":{"Type":"batch","Count":1,"Tasks":[{"Name":"a","Engine":{"Type":"wasm",' +
        '"Params":{"EntryModule":"/x"}},"Network":{"Type":3}}]}}'
      const unmarshal = new RegExp('^code=400, message=Unmarshal type error: expected=models\\.Network, got=number, ' +
        'field=Job\\.alias\\.Tasks\\.Network\\.Type')
      expect(await put(numericNetwork)).toEqual(refused(expect.stringMatching(unmarshal)))
      await expect(client.getJob('j-missing'))
        .rejects.toMatchObject({ status: 404, message: 'Bacalhau API 404 NotFound: job not found: j-missing' })
    })

    test('logs over the WebSocket: an unknown job, and a wasm execution (only docker logs are kept)', async () => {
      const frames = async (id: string): Promise<unknown[]> => {
        const received: unknown[] = []
        const socket = new WebSocket(`${api().replace('http', 'ws')}/orchestrator/jobs/${id}/logs`)
        socket.on('message', data => received.push(JSON.parse(String(data))))
        await once(socket, 'close')
        return received
      }
      expect(await frames('j-nope')).toEqual([{ error: 'job not found: j-nope', value: { Type: 0, Line: '' } }])
      const { JobID } = await client.submitJob(await wasmJob(PROGRAMS.printEnvironment))
      await client.waitForJob(JobID, { signal: AbortSignal.timeout(60_000) })
      // side by side: real Bacalhau takes 60 s to answer each
      const [received, streamed] = await Promise.all([
        frames(JobID),
        (async () => {
          const lines = client.logs(JobID) // none comes
          for (let next = await lines.next(); next.done !== true; next = await lines.next());
        })().then(() => 'no error', (err: Error) => err.message)
      ])
      expect(received).toEqual([{ error: 'timeout while waiting for execution logs', value: { Type: 0, Line: '' } }])
      expectWire('models.ExecutionLog', JSON.stringify((received[0] as { value: unknown }).value))
      expect(streamed).toBe(`logs of ${JobID}: timeout while waiting for execution logs`)
    }, 150_000)
  })
}
