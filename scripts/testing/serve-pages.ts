// `serve-pages.ts <dir> <port>`: serves the files of a page build on 127.0.0.1:<port> (inside a lab host's
// namespace, so the page's origin is its own localhost: a secure context, as WebCrypto and WebRTC want) and
// prints LISTENING.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'

const [dir, port] = [process.argv[2], Number(process.argv[3])]
if (dir === undefined || !Number.isInteger(port)) {
  console.error('usage: serve-pages.ts <dir> <port>')
  process.exit(1)
}
const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm'
}
createServer((request, response) => {
  const path = normalize(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^(\.\.[/\\])+/, '')
  readFile(join(dir, path === '/' ? 'index.html' : path)).then(body => {
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body)
  }, () => response.writeHead(404).end())
}).listen(port, '127.0.0.1', () => console.log('LISTENING'))
