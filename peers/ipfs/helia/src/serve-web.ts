// `pnpm serve:web`: serves the built pages (`pnpm build:web` writes dist/web) over HTTP, as the compose
// network does. WEB_LISTEN is host:port (default 127.0.0.1:8201); PAGE_QUERY, when set, is where a bare
// `/` goes (e.g. server=…&gateway=…&cid=…), so the page opens ready to run.
import { createServer } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import sirv from 'sirv'

const [host = '127.0.0.1', port = '8201'] = (process.env.WEB_LISTEN ?? '127.0.0.1:8201').split(/:(?=\d+$)/)
const pageQuery = process.env.PAGE_QUERY ?? ''
const files = sirv(join(import.meta.dirname, '..', 'dist', 'web'), { etag: true })
const server = createServer((request, response) => {
  if (pageQuery !== '' && (request.url === '/' || request.url === '/index.html')) {
    response.writeHead(302, { Location: `/?${pageQuery}` }).end()
    return
  }
  files(request, response, () => { response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n') })
})
server.listen(Number(port), host)
try {
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => { throw err as Error })])
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
