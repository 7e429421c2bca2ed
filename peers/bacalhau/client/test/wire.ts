// Bacalhau's own v1.9.3 spec (../shared/bacalhau/swagger-v1.9.3.json) with the overlay of what its server
// really sends (WIRE-NOTES.md, corrected by the interop suite: see the README), as JSON Schema validators.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import { expect } from 'vitest'

type Schema = Record<string, unknown>
export const swagger = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'bacalhau', 'swagger-v1.9.3.json'), 'utf8')) as { definitions: Record<string, Schema> }

/** WIRE-NOTES: these enums are strings on the wire; ExecutionLog is {Type, Line} (Type 0 in an error frame); Go nil slices, maps and pointers are null. */
function wireDefinitions (): Record<string, Schema> {
  const stringEnum = (...values: string[]): Schema => ({ type: 'string', enum: values })
  const overlay: Record<string, Schema> = {
    'models.JobStateType': stringEnum('Undefined', 'Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'),
    'models.JobHistoryType': stringEnum('Undefined', 'JobLevel', 'ExecutionLevel'),
    'models.NodeType': stringEnum('Requester', 'Compute'),
    'models.Network': stringEnum('Default', 'None', 'Host', 'Full', 'HTTP', 'Bridge'),
    'models.NodeMembershipState': stringEnum('PENDING', 'APPROVED', 'REJECTED'),
    'models.NodeConnectionState': stringEnum('CONNECTED', 'DISCONNECTED'),
    'models.ExecutionLog': { type: 'object', required: ['Type', 'Line'], properties: { Type: { type: 'integer', enum: [0, 1, 2] }, Line: { type: 'string' } } }
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
export function validatorFor (definition: string): ValidateFunction {
  let validate = validators.get(definition)
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `bacalhau#/definitions/${definition}` })
    validators.set(definition, validate)
  }
  return validate
}

/** Asserts that raw JSON text matches a spec definition (numbers parsed plainly: only their type matters). */
export function expectWire (definition: string, text: string): void {
  const validate = validatorFor(definition)
  const valid = validate(JSON.parse(text))
  expect(validate.errors ?? [], `${definition}: ${text.slice(0, 300)}`).toEqual([])
  expect(valid).toBe(true)
}

export async function raw (url: string, init?: RequestInit): Promise<{ status: number, text: string }> {
  const response = await fetch(url, init)
  return { status: response.status, text: await response.text() }
}

