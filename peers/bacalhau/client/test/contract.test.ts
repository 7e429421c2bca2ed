// Contract tests: the Bacalhau contract (test/contract-suite.ts) against the local runner; the client's request
// bodies against Bacalhau's own v1.9.3 spec with the wire overlay (test/wire.ts); and the client decoding
// payloads in the shapes real Bacalhau sends. test/interop/bacalhau.test.ts runs the same contract against
// real Bacalhau.
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { describe, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { BacalhauClient, BacalhauError, ExecutionState, executionStateName, type Job } from '../src/client/index.ts'
import { wordcountJob } from '../src/job.ts'
import { NODE_ID } from '../src/runner/runner.ts'
import { readRunnerConfig } from '../src/run/config.ts'
import { startServer } from '../src/run/server.ts'
import { startRunner } from '../src/server.ts'
import { bacalhauContract } from './contract-suite.ts'
import { PROGRAMS, wasmJob } from './fixtures.ts'
import { expectWire, swagger, validatorFor } from './wire.ts'

bacalhauContract('the local runner', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'liftoff-bacalhau-contract-'))
  const env = { DATA_DIR: join(dataDir, 'runner'), API_LISTEN: '127.0.0.1:0', IPFS_LISTEN: '/ip4/127.0.0.1/tcp/0' }
  const runner = await startServer(readRunnerConfig(env), startRunner)
  return {
    api: runner.ready.api,
    ipfsPeer: runner.ready.ipfs[0]!,
    nodeName: NODE_ID,
    stop: async () => {
      await runner.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
})

// As Bacalhau v1.9.3 answers: string job state, integer execution states, nulls for nil slices and maps,
// nanosecond times beyond 2^53, lowercase "stderr".
const job =
  '{"ID":"j-6d6b8d3e-2f2a-4c8e-9d0e-1f7e7a1b2c3d","Name":"wordcount","Namespace":"default","Type":"batch",' +
  '"Priority":0,"Count":1,"Constraints":null,"Meta":{"bacalhau.org/requester.id":"n-1"},"Labels":null,' +
  '"Tasks":[{"Name":"main","Engine":{"Type":"wasm","Params":{"EntryModule":"/app/main.wasm",' +
  '"Entrypoint":"_start","Parameters":null}},"Publisher":{"Type":"ipfs","Params":null},"Env":null,"Meta":null,' +
  '"InputSources":null,"ResultPaths":null,"Resources":{"CPU":"","Memory":"","Disk":"","GPU":""},' +
  '"Network":{"Type":"None","Domains":null},"Timeouts":{"ExecutionTimeout":300,"QueueTimeout":0,' +
  '"TotalTimeout":0}}],"State":{"StateType":"Completed","Message":"","Details":null},"Version":1,"Revision":3,' +
  '"CreateTime":1732468800123456789,"ModifyTime":1732468801987654321}'
const execution =
  '{"ID":"e-1","Namespace":"default","EvalID":"ev-1","Name":"wordcount","NodeID":"n-1",' +
  '"JobID":"j-6d6b8d3e-2f2a-4c8e-9d0e-1f7e7a1b2c3d","JobVersion":1,"AllocatedResources":{"Tasks":null},' +
  '"DesiredState":{"StateType":2,"Message":"execution completed","Details":null},"ComputeState":{"StateType":9,' +
  '"Message":"","Details":null},"PublishedResult":{"Type":"ipfs",' +
  '"Params":{"CID":"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"}},"RunOutput":{"Stdout":"{}\\n",' +
  '"StdoutTruncated":false,"stderr":"","StderrTruncated":false,"ExitCode":0,"ErrorMsg":""},' +
  '"PreviousExecution":"","NextExecution":"","FollowupEvalID":"","Revision":5,"CreateTime":1732468800223456789,' +
  '"ModifyTime":1732468801887654321}'

test('the validator has teeth: wrong types and missing keys fail; the raw spec rejects what Bacalhau sends', () => {
  expect(validatorFor('apimodels.PutJobResponse')({ JobID: 42, EvaluationID: 'e', Warnings: null })).toBe(false)
  expect(validatorFor('models.State-models_JobStateType')({ StateType: 3 })).toBe(false) // the wire sends strings
  // and integers here
  expect(validatorFor('models.State-models_ExecutionStateType')({ StateType: 'Completed' })).toBe(false)
  // every answer's keys that Bacalhau's Go types always encode are required; those it may omit are not
  for (const definition of [
    'apimodels.PutJobResponse', 'apimodels.GetJobResponse', 'apimodels.ListJobsResponse',
    'apimodels.ListJobExecutionsResponse', 'apimodels.ListJobHistoryResponse', 'apimodels.ListJobResultsResponse',
    'apimodels.GetVersionResponse', 'apimodels.IsAliveResponse', 'apimodels.ListNodesResponse', 'models.Job',
    'models.Execution', 'models.NodeInfo'
  ]) {
    expect(validatorFor(definition)({}), `${definition}: {}`).toBe(false)
  }
  type Answer = { Job: Record<string, unknown>, Executions: { Items: Array<Record<string, unknown>> } }
  const answer = JSON.parse(`{"Job":${job},"Executions":{"Items":[${execution}],"NextToken":""}}`) as Answer
  const getJob = validatorFor('apimodels.GetJobResponse')
  expect(getJob(answer)).toBe(true)
  for (const key of ['ID', 'Tasks', 'State', 'CreateTime']) {
    expect(getJob({ ...answer, Job: { ...answer.Job, [key]: undefined } }), `Job without ${key}`).toBe(false)
  }
  for (const key of ['NextExecution', 'FollowupEvalID', 'ComputeState']) {
    const items = [{ ...answer.Executions.Items[0], [key]: undefined }]
    const executions = { ...answer.Executions, Items: items }
    expect(getJob({ ...answer, Executions: executions }), `execution without ${key}`).toBe(false)
  }
  expect(getJob({ Job: answer.Job }), 'History and Executions are omitempty').toBe(true)
  // a submission needs a type, tasks, and a named task with an engine type; nothing else
  const submission = { Job: { Type: 'batch', Tasks: [{ Name: 'main', Engine: { Type: 'wasm' } }] } }
  const putJob = validatorFor('apimodels.PutJobRequest', 'request')
  expect(putJob(submission)).toBe(true)
  expect(putJob({ Job: { ...submission.Job, Type: undefined } })).toBe(false)
  expect(putJob({ Job: { ...submission.Job, Tasks: [] } })).toBe(false)
  expect(putJob({ Job: { ...submission.Job, Tasks: [{ Name: 'main' }] } })).toBe(false)
  expect(putJob({ Job: { ...submission.Job, Tasks: [{ Name: 'main', Engine: {} }] } })).toBe(false)
  const rawSpec = new Ajv({ strict: false, validateFormats: false })
    .addSchema({ $id: 'raw', definitions: swagger.definitions })
  expect(rawSpec.validate({ $ref: 'raw#/definitions/models.Job' }, { State: { StateType: 'Completed' } })).toBe(false)
})

describe('requests the client builds', () => {
  test('the demo job, as a PutJobRequest', async () => {
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
    const job = wordcountJob(new Uint8Array([0, 97, 115, 109]), cid, 'ipfs')
    expectWire('apimodels.PutJobRequest', JSON.stringify({ Job: job, Force: false }), 'request')
  })

  test('what the client actually sends, captured on the wire', async () => {
    const bodies: string[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => { body += chunk.toString() })
      request.on('end', () => {
        bodies.push(body)
        response.writeHead(200, { 'Content-Type': 'application/json' })
          .end('{"JobID":"j-1","EvaluationID":"e","Warnings":null}')
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onCleanup('capture server close', () => new Promise(resolve => server.close(resolve)))
    const address = server.address() as { port: number }
    const client = new BacalhauClient({ baseUrl: `http://127.0.0.1:${address.port}`, auth: { bearer: 'secret' } })
    const job: Job = { ...(await wasmJob(PROGRAMS.trap)), CreateTime: 1732468800123456789n }
    expect(await client.submitJob(job, { force: true })).toEqual({ JobID: 'j-1', EvaluationID: 'e', Warnings: null })
    expectWire('apimodels.PutJobRequest', bodies[0]!, 'request')
    expect(bodies[0]).toContain('"CreateTime":1732468800123456789') // exact, not rounded to a double
  })
})

describe('the client decodes what real Bacalhau sends', () => {
  async function fakeBacalhau (routes: Record<string, [number, string]>): Promise<BacalhauClient> {
    const server = createServer((request, response) => {
      const noRoute: [number, string] = [404, '{"Status":404,"Message":"no route","Code":"NotFound"}']
      const [status, body] = routes[`${request.method} ${request.url}`] ?? noRoute
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(body)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onCleanup('fake Bacalhau close', () => new Promise(resolve => server.close(resolve)))
    return new BacalhauClient({ baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}` })
  }

  test('a job with executions: enums, nulls and exact nanoseconds', async () => {
    expectWire('apimodels.GetJobResponse', `{"Job":${job},"Executions":{"Items":[${execution}],"NextToken":""}}`)
    const client = await fakeBacalhau({
      'GET /api/v1/orchestrator/jobs/wordcount?include=executions':
        [200, `{"Job":${job},"Executions":{"Items":[${execution}],"NextToken":""}}`]
    })
    const { Job, Executions, History } = await client.getJob('wordcount', { executions: true })
    expect(Job.State?.StateType).toBe('Completed')
    expect(Job.CreateTime).toBe(1732468800123456789n)
    expect(Job.ModifyTime).toBe(1732468801987654321n)
    expect(Job.Labels).toBeNull()
    expect(History).toBeUndefined() // left out unless asked for
    const [first] = Executions?.Items ?? []
    expect(first?.ComputeState.StateType).toBe(ExecutionState.Completed)
    expect(executionStateName(first!.ComputeState.StateType)).toBe('Completed')
    expect(first?.CreateTime).toBe(1732468800223456789n)
    expect(first?.RunOutput?.stderr).toBe('')
    expect(first?.PublishedResult)
      .toEqual({ Type: 'ipfs', Params: { CID: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' } })
  })

  test('the job paginator follows NextToken; null Items count as none', async () => {
    const client = await fakeBacalhau({
      'GET /api/v1/orchestrator/jobs?limit=1': [200, `{"Items":[${job}],"NextToken":"page-2"}`],
      'GET /api/v1/orchestrator/jobs?limit=1&next_token=page-2':
        [200, `{"Items":[${job.replace('"Name":"wordcount"', '"Name":"second"')}],"NextToken":"page-3"}`],
      'GET /api/v1/orchestrator/jobs?limit=1&next_token=page-3': [200, '{"Items":null,"NextToken":""}']
    })
    const names: string[] = []
    for await (const item of client.jobs({ limit: 1 })) names.push(item.Name)
    expect(names).toEqual(['wordcount', 'second'])
  })

  test('an error response becomes a BacalhauError with the error JSON; a plain-text one too', async () => {
    const client = await fakeBacalhau({
      'PUT /api/v1/orchestrator/jobs': [400, '{"Status":400,"Message":"task main: engine type is required",' +
        '"RequestID":"r-1","Code":"ValidationError","Component":"Orchestrator","Hint":"","Details":null}'],
      'GET /api/v1/agent/alive': [503, 'service unavailable']
    })
    const error = await client.submitJob(await wasmJob(PROGRAMS.trap)).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(BacalhauError)
    expect(error).toMatchObject({
      status: 400,
      body: { Code: 'ValidationError', RequestID: 'r-1', Component: 'Orchestrator' },
      message: 'Bacalhau API 400 ValidationError: task main: engine type is required'
    })
    await expect(client.alive())
      .rejects.toMatchObject({ status: 503, body: { Status: 503, Message: 'service unavailable' } })
  })
})
