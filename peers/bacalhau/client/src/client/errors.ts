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

/** libp2p 3 explains some failures over several lines (with stacks); a CLI error is one line. */
export function oneLine (message: string): string {
  return message.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('at ')).join(' ')
}
