// `pnpm serve:web` given a WEB_LISTEN it cannot use: one line on stderr that names the variable and the value,
// exit code 1, no stack trace (a port out of range used to throw one from server.listen).
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { expectExit, printed, startProcess, stopAllProcesses } from '../../../../scripts/testing/processes.ts'

const exampleDir = join(import.meta.dirname, '..')

afterEach(stopAllProcesses)

function serveWeb (listen: string) {
  return startProcess(['node', 'src/serve-web.ts'], {
    cwd: exampleDir,
    env: { WEB_LISTEN: listen },
    label: `serve-web WEB_LISTEN=${listen}`
  })
}

test.each(['127.0.0.1:99999', 'nonsense', '127.0.0.1:', ':8080x'])('WEB_LISTEN=%s: one line on stderr and exit ' +
  'code 1', async listen => {
  const serve = serveWeb(listen)
  await expectExit(serve, 1)
  expect(serve.stderr, printed(serve)).toEqual([`serve-web: WEB_LISTEN must look like 127.0.0.1:8201, got "${listen}"`])
})
