import type { ApiErrorBody } from './types.ts'

/** Every failed call throws this: the HTTP status plus Bacalhau's error JSON (or what the server sent). */
export class BacalhauError extends Error {
  override readonly name = 'BacalhauError'
  readonly status: number
  readonly body: ApiErrorBody

  constructor (status: number, body: ApiErrorBody) {
    super(`Bacalhau API ${status}${body.Code === undefined ? '' : ` ${body.Code}`}: ${body.Message}`)
    this.status = status
    this.body = body
  }
}
