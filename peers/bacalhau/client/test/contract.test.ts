// Contract tests: the client's request bodies and the runner's responses validate against Bacalhau's own
// v1.9.3 spec, overlaid with ../shared/bacalhau/WIRE-NOTES.md (the server's real wire format); and the client
// decodes hand-written payloads in the shapes real Bacalhau sends.
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { describe, expect, test } from 'vitest'
import WebSocket from 'ws'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { BacalhauClient, BacalhauError, ExecutionState, executionStateName, type Job } from '../src/client/index.ts'
import { wordcountJob } from '../src/client.ts'
import { PROGRAMS, startTestRunner, wasmJob } from './fixtures.ts'

type Schema = Record<string, unknown>
const swagger = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'bacalhau', 'swagger-v1.9.3.json'), 'utf8')) as { definitions: Record<string, Schema> }

/** WIRE-NOTES: these enums are strings on the wire; ExecutionLog is {Type, Line}; Go nil slices, maps and pointers are null. */
function wireDefinitions (): Record<string, Schema> {
  const stringEnum = (...values: string[]): Schema => ({ type: 'string', enum: values })
  const overlay: Record<string, Schema> = {
    'models.JobStateType': stringEnum('Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'),
    'models.JobHistoryType': stringEnum('Undefined', 'JobLevel', 'ExecutionLevel'),
    'models.NodeType': stringEnum('Requester', 'Compute'),
    'models.Network': stringEnum('Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge'),
    'models.NodeMembershipState': stringEnum('PENDING', 'APPROVED', 'REJECTED'),
    'models.NodeConnectionState': stringEnum('CONNECTED', 'DISCONNECTED'),
    'models.ExecutionLog': { type: 'object', required: ['Type', 'Line'], properties: { Type: { type: 'integer', enum: [1, 2] }, Line: { type: 'string' } } }
  }
  const nullable = (schema: Schema): Schema =>
    schema.type === 'array' || schema.type === 'object' || '$ref' in schema || 'allOf' in schema ? { anyOf: [schema, { type: 'null' }] } : schema
  const definitions: Record<string, Schema> = {}
  for (const [name, definition] of Object.entries({ ...swagger.definitions, ...overlay })) {
    const properties = definition.properties as Record<string, Schema> | undefined
    definitions[name] = properties === undefined
      ? definition
      : { ...definition, properties: Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, nullable(schema)])) }
  }
  return definitions
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'bacalhau', definitions: wireDefinitions() })
const validators = new Map<string, ValidateFunction>()
function validatorFor (definition: string): ValidateFunction {
  let validate = validators.get(definition)
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `bacalhau#/definitions/${definition}` })
    validators.set(definition, validate)
  }
  return validate
}

/** Asserts that raw JSON text matches a spec definition (numbers parsed plainly: only their type matters). */
function expectWire (definition: string, text: string): void {
  const validate = validatorFor(definition)
  const valid = validate(JSON.parse(text))
  expect(validate.errors ?? [], `${definition}: ${text.slice(0, 300)}`).toEqual([])
  expect(valid).toBe(true)
}

async function raw (url: string, init?: RequestInit): Promise<{ status: number, text: string }> {
  const response = await fetch(url, init)
  return { status: response.status, text: await response.text() }
}

test('the validator has teeth: wrong types fail, and the raw spec rejects what Bacalhau really sends', () => {
  expect(validatorFor('apimodels.PutJobResponse')({ JobID: 42 })).toBe(false)
  expect(validatorFor('models.Job')({ State: { StateType: 3 } })).toBe(false) // the wire sends strings
  expect(validatorFor('models.Execution')({ ComputeState: { StateType: 'Completed' } })).toBe(false) // and integers here
  const rawSpec = new Ajv({ strict: false, validateFormats: false }).addSchema({ $id: 'raw', definitions: swagger.definitions })
  expect(rawSpec.validate({ $ref: 'raw#/definitions/models.Job' }, { State: { StateType: 'Completed' } })).toBe(false)
})

describe('requests the client builds', () => {
  test('the demo job, as a PutJobRequest', async () => {
    const job = wordcountJob(new Uint8Array([0, 97, 115, 109]), 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', 'ipfs')
    expectWire('apimodels.PutJobRequest', JSON.stringify({ Job: job, Force: false }))
  })

  test('what the client actually sends, captured on the wire', async () => {
    const bodies: string[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => { body += chunk.toString() })
      request.on('end', () => {
        bodies.push(body)
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"JobID":"j-1","EvaluationID":"e","Warnings":null}')
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onCleanup('capture server close', () => new Promise(resolve => server.close(resolve)))
    const address = server.address() as { port: number }
    const client = new BacalhauClient({ baseUrl: `http://127.0.0.1:${address.port}`, auth: { bearer: 'secret' } })
    const job: Job = { ...(await wasmJob(PROGRAMS.trap)), CreateTime: 1732468800123456789n }
    expect(await client.submitJob(job, { force: true })).toEqual({ JobID: 'j-1', EvaluationID: 'e', Warnings: null })
    expectWire('apimodels.PutJobRequest', bodies[0]!)
    expect(bodies[0]).toContain('"CreateTime":1732468800123456789') // exact, not rounded to a double
  })
})

describe('responses the local runner sends', () => {
  test('every endpoint validates against the spec with the wire overlay', async () => {
    const runner = await startTestRunner()
    const api = `${runner.ready.api}/api/v1`
    expectWire('apimodels.IsAliveResponse', (await raw(`${api}/agent/alive`)).text)
    expectWire('apimodels.GetVersionResponse', (await raw(`${api}/agent/version`)).text)
    expectWire('models.NodeInfo', (await raw(`${api}/agent/node`)).text)
    expectWire('apimodels.ListNodesResponse', (await raw(`${api}/orchestrator/nodes`)).text)

    const put = await raw(`${api}/orchestrator/jobs`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Job: await wasmJob(PROGRAMS.printEnvironment), Force: false }) })
    expectWire('apimodels.PutJobResponse', put.text)
    const { JobID } = JSON.parse(put.text) as { JobID: string }
    await runner.client.waitForJob(JobID)
    expectWire('apimodels.GetJobResponse', (await raw(`${api}/orchestrator/jobs/${JobID}?include=history,executions`)).text)
    expectWire('apimodels.GetJobResponse', (await raw(`${api}/orchestrator/jobs/${JobID}`)).text)
    expectWire('apimodels.ListJobsResponse', (await raw(`${api}/orchestrator/jobs?limit=10`)).text)
    expectWire('apimodels.ListJobExecutionsResponse', (await raw(`${api}/orchestrator/jobs/${JobID}/executions`)).text)
    expectWire('apimodels.ListJobHistoryResponse', (await raw(`${api}/orchestrator/jobs/${JobID}/history`)).text)
    expectWire('apimodels.ListJobResultsResponse', (await raw(`${api}/orchestrator/jobs/${JobID}/results`)).text)

    const running = await runner.client.submitJob(await wasmJob(PROGRAMS.spin, { timeoutSeconds: 600 }))
    expectWire('apimodels.StopJobResponse', (await raw(`${api}/orchestrator/jobs/${running.JobID}`, { method: 'DELETE' })).text)

    // execution states are integers, job states strings, times nanoseconds
    const job = JSON.parse((await raw(`${api}/orchestrator/jobs/${JobID}?include=executions`)).text) as { Job: { State: { StateType: unknown }, CreateTime: number }, Executions: { Items: Array<{ ComputeState: { StateType: unknown } }> } }
    expect(job.Job.State.StateType).toBe('Completed')
    expect(job.Executions.Items[0]!.ComputeState.StateType).toBe(9)
    expect(job.Job.CreateTime).toBeGreaterThan(Number.MAX_SAFE_INTEGER)

    // log frames
    const frames: string[] = []
    const socket = new WebSocket(`${api.replace('http', 'ws')}/orchestrator/jobs/${JobID}/logs`)
    socket.on('message', data => frames.push(String(data)))
    await once(socket, 'close')
    expect(frames.length).toBeGreaterThan(0)
    for (const frame of frames) {
      const parsed = JSON.parse(frame) as { value: unknown, error: string }
      expect(parsed.error).toBe('')
      expectWire('models.ExecutionLog', JSON.stringify(parsed.value))
    }
  })

  test('errors carry Bacalhau\'s error JSON', async () => {
    const runner = await startTestRunner()
    for (const [url, init, status] of [
      [`${runner.ready.api}/api/v1/orchestrator/jobs/j-missing`, undefined, 404],
      [`${runner.ready.api}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"Job":{"Type":"batch","Tasks":[]}}' }, 400],
      [`${runner.ready.api}/api/v1/orchestrator/jobs`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{not json' }, 400]
    ] as const) {
      const response = await raw(url, init)
      expect(response.status).toBe(status)
      expect(Object.keys(JSON.parse(response.text) as object).sort()).toEqual(['Code', 'Component', 'Details', 'Hint', 'Message', 'RequestID', 'Status'])
    }
  })
})

describe('the client decodes what real Bacalhau sends', () => {
  async function fakeBacalhau (routes: Record<string, [number, string]>): Promise<BacalhauClient> {
    const server = createServer((request, response) => {
      const [status, body] = routes[`${request.method} ${request.url}`] ?? [404, '{"Status":404,"Message":"no route","Code":"NotFound"}']
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(body)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onCleanup('fake Bacalhau close', () => new Promise(resolve => server.close(resolve)))
    return new BacalhauClient({ baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}` })
  }

  // As Bacalhau v1.9.3 answers: string job state, integer execution states, nulls for nil slices and maps,
  // nanosecond times beyond 2^53, lowercase "stderr".
  const job = '{"ID":"j-6d6b8d3e-2f2a-4c8e-9d0e-1f7e7a1b2c3d","Name":"wordcount","Namespace":"default","Type":"batch","Priority":0,"Count":1,"Constraints":null,"Meta":{"bacalhau.org/requester.id":"n-1"},"Labels":null,"Tasks":[{"Name":"main","Engine":{"Type":"wasm","Params":{"EntryModule":"/app/main.wasm","Entrypoint":"_start","Parameters":null}},"Publisher":{"Type":"ipfs","Params":null},"Env":null,"Meta":null,"InputSources":null,"ResultPaths":null,"Resources":{"CPU":"","Memory":"","Disk":"","GPU":""},"Network":{"Type":"None","Domains":null},"Timeouts":{"ExecutionTimeout":300,"QueueTimeout":0,"TotalTimeout":0}}],"State":{"StateType":"Completed","Message":"","Details":null},"Version":1,"Revision":3,"CreateTime":1732468800123456789,"ModifyTime":1732468801987654321}'
  const execution = '{"ID":"e-1","Namespace":"default","EvalID":"ev-1","Name":"wordcount","NodeID":"n-1","JobID":"j-6d6b8d3e-2f2a-4c8e-9d0e-1f7e7a1b2c3d","JobVersion":1,"Job":null,"PartitionIndex":0,"AllocatedResources":{"Tasks":null},"DesiredState":{"StateType":2,"Message":"execution completed","Details":null},"ComputeState":{"StateType":9,"Message":"","Details":null},"PublishedResult":{"Type":"ipfs","Params":{"CID":"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"}},"RunOutput":{"Stdout":"{}\\n","StdoutTruncated":false,"stderr":"","StderrTruncated":false,"ExitCode":0,"ErrorMsg":""},"PreviousExecution":"","NextExecution":"","FollowupEvalID":"","Revision":5,"CreateTime":1732468800223456789,"ModifyTime":1732468801887654321}'

  test('a job with executions: enums, nulls and exact nanoseconds', async () => {
    expectWire('apimodels.GetJobResponse', `{"Job":${job},"Executions":{"Items":[${execution}],"NextToken":""},"History":null}`)
    const client = await fakeBacalhau({ 'GET /api/v1/orchestrator/jobs/wordcount?include=executions': [200, `{"Job":${job},"Executions":{"Items":[${execution}],"NextToken":""},"History":null}`] })
    const { Job, Executions, History } = await client.getJob('wordcount', { executions: true })
    expect(Job.State?.StateType).toBe('Completed')
    expect(Job.CreateTime).toBe(1732468800123456789n)
    expect(Job.ModifyTime).toBe(1732468801987654321n)
    expect(Job.Labels).toBeNull()
    expect(History).toBeNull()
    const [first] = Executions?.Items ?? []
    expect(first?.ComputeState.StateType).toBe(ExecutionState.Completed)
    expect(executionStateName(first!.ComputeState.StateType)).toBe('Completed')
    expect(first?.CreateTime).toBe(1732468800223456789n)
    expect(first?.RunOutput?.stderr).toBe('')
    expect(first?.PublishedResult).toEqual({ Type: 'ipfs', Params: { CID: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' } })
  })

  test('the job paginator follows NextToken; null Items count as none', async () => {
    const client = await fakeBacalhau({
      'GET /api/v1/orchestrator/jobs?limit=1': [200, `{"Items":[${job}],"NextToken":"page-2"}`],
      'GET /api/v1/orchestrator/jobs?limit=1&next_token=page-2': [200, `{"Items":[${job.replace('"Name":"wordcount"', '"Name":"second"')}],"NextToken":"page-3"}`],
      'GET /api/v1/orchestrator/jobs?limit=1&next_token=page-3': [200, '{"Items":null,"NextToken":""}']
    })
    const names: string[] = []
    for await (const item of client.jobs({ limit: 1 })) names.push(item.Name)
    expect(names).toEqual(['wordcount', 'second'])
  })

  test('an error response becomes a BacalhauError with the error JSON; a plain-text one too', async () => {
    const client = await fakeBacalhau({
      'PUT /api/v1/orchestrator/jobs': [400, '{"Status":400,"Message":"task main: engine type is required","RequestID":"r-1","Code":"ValidationError","Component":"Orchestrator","Hint":"","Details":null}'],
      'GET /api/v1/agent/alive': [503, 'service unavailable']
    })
    const error = await client.submitJob(await wasmJob(PROGRAMS.trap)).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(BacalhauError)
    expect(error).toMatchObject({ status: 400, body: { Code: 'ValidationError', RequestID: 'r-1', Component: 'Orchestrator' }, message: 'Bacalhau API 400 ValidationError: task main: engine type is required' })
    await expect(client.alive()).rejects.toMatchObject({ status: 503, body: { Status: 503, Message: 'service unavailable' } })
  })
})
