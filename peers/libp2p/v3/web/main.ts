// The page: dial the server given in the form (or ?server=…), then identify, ping, a few messages and a
// 256 KiB echo (?echo=<bytes> for another size) checked byte for byte. Each result lands in its own
// element; #state says where it is.
import { multiaddr } from '@multiformats/multiaddr'
import { identified } from '../src/dial.ts'
import { ECHO_PROTOCOL, echo } from '../src/echo.ts'
import { MESSAGES_PROTOCOL, MessageSession } from '../src/messages.ts'
import { createBrowserNode } from './browser-node.ts'

const show = (id: string, text: string): void => { document.getElementById(id)!.textContent = text }
const setState = (state: string, text = state): void => {
  const element = document.getElementById('state')!
  element.dataset.state = state
  element.textContent = text
}

const node = await createBrowserNode()
show('peer', node.peerId.toString())

async function run (address: string): Promise<void> {
  setState('dialling', `dialling ${address}`)
  const connection = await node.dial(multiaddr(address), { signal: AbortSignal.timeout(15_000) })
  const stack = `${connection.encryption}, ${connection.multiplexer}`
  show('remote', `${connection.remotePeer} via ${connection.remoteAddr} (${stack})`)
  const { agentVersion, protocols } = await identified(node, connection, 10_000)
  show('agent', `${agentVersion ?? 'unknown'}; ${protocols.join(' ')}`)
  const started = performance.now()
  await node.services.ping.ping(connection.remotePeer)
  show('ping', `${(performance.now() - started).toFixed(1)} ms`)
  if (!protocols.includes(MESSAGES_PROTOCOL) || !protocols.includes(ECHO_PROTOCOL)) {
    setState('done', 'done: not a liftoff server, so identify and ping is all')
    return
  }
  const session = await MessageSession.open(node, connection.remotePeer)
  const replies: string[] = []
  for (const text of ['hello from a browser', 'goodbye']) {
    const response = await session.request({ text })
    if (!response.ok) throw new Error(`refused: ${response.error}`)
    replies.push(`${text} → ${response.reply}`)
  }
  await session.close()
  show('replies', replies.join(' · '))
  const payload = new Uint8Array(echoBytes)
  // 64 KiB per call at most
  for (let offset = 0; offset < payload.byteLength; offset += 65_536) {
    crypto.getRandomValues(payload.subarray(offset, offset + 65_536))
  }
  const echoStarted = performance.now()
  const returned = await echo(node, connection.remotePeer, payload)
  document.getElementById('echo')!.dataset.ms = (performance.now() - echoStarted).toFixed(1)
  const intact = returned.byteLength === payload.byteLength && returned.every((byte, index) => byte === payload[index])
  const verdict = intact ? 'intact ✓' : 'DIFFERENT'
  show('echo', `${payload.byteLength} bytes sent, ${returned.byteLength} returned, ${verdict}`)
  if (!intact) throw new Error('echo mismatch')
  setState('done')
}

const form = document.getElementById('dial') as HTMLFormElement
const input = document.getElementById('server') as HTMLInputElement
form.addEventListener('submit', event => {
  event.preventDefault()
  run(input.value.trim()).catch((err: Error) => setState('failed', `failed: ${err.message}`))
})
const query = new URLSearchParams(location.search)
const echoBytes = Number(query.get('echo') ?? 256 * 1024)
const fromQuery = query.get('server')
if (fromQuery !== null) {
  input.value = fromQuery
  form.requestSubmit()
}
