// `pnpm serve:web`: serves the built pages (`pnpm build:web` writes dist/web) over HTTP, as the compose
// network does. WEB_LISTEN is host:port (default 127.0.0.1:8311); PAGE_QUERY, when set, is where a bare
// `/` goes (e.g. server=…&db=/orbitdb/…), so the page opens ready to run.
import { createServer } from 'node:http'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import sirv from 'sirv'

/** Bad configuration: one line on stderr and exit code 1, no stack trace. */
function fail (why: string): never {
  console.error(`serve-web: ${why}`)
  process.exit(1)
}

const listen = process.env.WEB_LISTEN ?? '127.0.0.1:8311'
const listenParts = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen.trim())
if (listenParts === null || Number(listenParts[2]) > 65535) {
  fail(`WEB_LISTEN must look like 127.0.0.1:8311, got "${listen}"`)
}
const host = listenParts[1]!
const port = listenParts[2]!
const pageQuery = process.env.PAGE_QUERY ?? ''
const webDir = join(import.meta.dirname, '..', 'dist', 'web')
if (!existsSync(webDir)) fail(`no pages in ${webDir}: build them first with pnpm build:web`)
const files = sirv(webDir, { etag: true })
const server = createServer((request, response) => {
  if (pageQuery !== '' && (request.url === '/' || request.url === '/index.html')) {
    response.writeHead(302, { Location: `/?${pageQuery}` }).end()
    return
  }
  files(request, response, () => { response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n') })
})
server.listen(Number(port), host)
try {
  const failed = once(server, 'error').then(([err]) => { throw err instanceof Error ? err : new Error(String(err)) })
  await Promise.race([once(server, 'listening'), failed])
} catch (err) {
  console.error(`serve-web: cannot listen on ${host}:${port}: ${(err as Error).message}`)
  process.exit(1)
}
console.log(`serving the pages on http://${host}:${port}/${pageQuery === '' ? '' : ` (/ opens /?${pageQuery})`}`)
const stop = (): void => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
