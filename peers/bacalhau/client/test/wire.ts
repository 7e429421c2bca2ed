// Bacalhau's own v1.9.3 spec (pkg/swagger/swagger.json in its Go module, from the Go module proxy) with the
// overlay of what its server really sends (corrected by the interop suite: see the README), as JSON Schema
// validators. The spec marks nothing required; an answer's required keys come from Bacalhau's Go types in
// the same module (every field without `omitempty` is always encoded), a request's from its submission
// checks (Job.ValidateSubmission, Task.ValidateSubmission).
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { expect } from 'vitest'
import { BACALHAU, goModuleDir } from '../../../../scripts/testing/go-module.ts'

type Schema = Record<string, unknown>
const moduleDir = await goModuleDir(BACALHAU)
const swaggerText = await readFile(join(moduleDir, 'pkg', 'swagger', 'swagger.json'), 'utf8')
export const swagger = JSON.parse(swaggerText) as { definitions: Record<string, Schema> }

/** For each Go struct of a package ("models.Job"): its JSON keys that may be left out, and the structs it embeds. */
async function goStructs (pkg: string, dir: string): Promise<Map<string, { omitted: Set<string>, embeds: string[] }>> {
  const structs = new Map<string, { omitted: Set<string>, embeds: string[] }>()
  for (const file of (await readdir(dir)).filter(name => name.endsWith('.go') && !name.endsWith('_test.go'))) {
    const source = await readFile(join(dir, file), 'utf8')
    for (const [, name, body] of source.matchAll(/^type (\w+)(?:\[[^\]]*\])? struct \{\n([\s\S]*?)^\}/gm)) {
      const struct = { omitted: new Set<string>(), embeds: [] as string[] }
      for (const line of body!.split('\n').map(text => text.replace(/\/\/.*$/, '').trim()).filter(Boolean)) {
        const embedded = /^\*?([\w.]+)(?:\s+`|$)/.exec(line)
        if (embedded !== null) struct.embeds.push(embedded[1]!.includes('.') ? embedded[1]! : `${pkg}.${embedded[1]!}`)
        const tag = /^(\w+)\s+[^`]+`[^`]*json:"([^"]*)"/.exec(line)
        const [key, ...flags] = tag?.[2]!.split(',') ?? []
        if (tag !== null && flags.includes('omitempty')) struct.omitted.add(key || tag[1]!)
      }
      structs.set(`${pkg}.${name!}`, struct)
    }
  }
  return structs
}
const structs = new Map([
  ...await goStructs('models', join(moduleDir, 'pkg', 'models')),
  ...await goStructs('apimodels', join(moduleDir, 'pkg', 'publicapi', 'apimodels'))
])
/** "models.State-models_JobStateType" is the Go type models.State[JobStateType]. */
function omittedKeys (definition: string): Set<string> {
  const struct = structs.get(definition.split('-')[0]!)
  if (struct === undefined) return new Set()
  return new Set([...struct.omitted, ...struct.embeds.flatMap(embedded => [...omittedKeys(embedded)])])
}

/** What Bacalhau refuses a submission without (the rest of a request may be left out). */
const REQUIRED_IN_REQUESTS: Record<string, string[]> = {
  'apimodels.PutJobRequest': ['Job'],
  'models.Job': ['Type', 'Tasks'],
  'models.Task': ['Name', 'Engine'],
  'models.SpecConfig': ['Type']
}

/**
 * WIRE-NOTES: these enums are strings on the wire; ExecutionLog is {Type, Line} (Type 0 in an error frame); Go nil
 * slices, maps and pointers are null.
 */
function wireDefinitions (direction: 'answer' | 'request'): Record<string, Schema> {
  const stringEnum = (...values: string[]): Schema => ({ type: 'string', enum: values })
  const overlay: Record<string, Schema> = {
    'models.JobStateType': stringEnum('Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'),
    'models.JobHistoryType': stringEnum('Undefined', 'JobLevel', 'ExecutionLevel'),
    'models.NodeType': stringEnum('Requester', 'Compute'),
    'models.Network': stringEnum('Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge'),
    'models.NodeMembershipState': stringEnum('PENDING', 'APPROVED', 'REJECTED'),
    'models.NodeConnectionState': stringEnum('CONNECTED', 'DISCONNECTED'),
    'models.ExecutionLog': {
      type: 'object',
      required: ['Type', 'Line'],
      properties: { Type: { type: 'integer', enum: [0, 1, 2] }, Line: { type: 'string' } }
    }
  }
  const nullable = (schema: Schema): Schema =>
    schema.type === 'array' || schema.type === 'object' || '$ref' in schema || 'allOf' in schema
      ? { anyOf: [schema, { type: 'null' }] }
      : schema
  const definitions: Record<string, Schema> = {}
  for (const [name, definition] of Object.entries({ ...swagger.definitions, ...overlay })) {
    const properties = definition.properties as Record<string, Schema> | undefined
    if (properties === undefined || name in overlay) {
      definitions[name] = definition
      continue
    }
    const omitted = omittedKeys(name)
    const required = direction === 'answer'
      ? Object.keys(properties).filter(key => !omitted.has(key))
      : REQUIRED_IN_REQUESTS[name] ?? []
    const nullables = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, nullable(schema)]))
    definitions[name] = { ...definition, required, properties: nullables }
  }
  if (direction === 'request') {
    const tasks = { type: 'array', minItems: 1, items: { $ref: '#/definitions/models.Task' } }
    const job = definitions['models.Job']!
    definitions['models.Job'] = { ...job, properties: { ...(job.properties as Schema), Tasks: tasks } }
  }
  return definitions
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
ajv.addSchema({ $id: 'answer', definitions: wireDefinitions('answer') })
ajv.addSchema({ $id: 'request', definitions: wireDefinitions('request') })
const validators = new Map<string, ValidateFunction>()
/** A validator of `definition` as Bacalhau sends it (answers) or accepts it (requests). */
export function validatorFor (definition: string, direction: 'answer' | 'request' = 'answer'): ValidateFunction {
  const key = `${direction}#/definitions/${definition}`
  let validate = validators.get(key)
  if (validate === undefined) {
    validate = ajv.compile({ $ref: key })
    validators.set(key, validate)
  }
  return validate
}

/** Asserts that raw JSON text matches a spec definition (numbers parsed plainly: only their type matters). */
export function expectWire (definition: string, text: string, direction: 'answer' | 'request' = 'answer'): void {
  const validate = validatorFor(definition, direction)
  const valid = validate(JSON.parse(text))
  expect(validate.errors ?? [], `${definition}: ${text.slice(0, 300)}`).toEqual([])
  expect(valid).toBe(true)
}

export async function raw (url: string, init?: RequestInit): Promise<{ status: number, text: string }> {
  const response = await fetch(url, init)
  return { status: response.status, text: await response.text() }
}
