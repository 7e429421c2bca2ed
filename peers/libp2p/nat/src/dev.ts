// `pnpm dev`: the three roles on loopback, each its own process: the relay, the listener (which takes a
// reservation on it), then the dialer twice: through the relay (loopback addresses are private, so DCUtR
// has nothing to punch to and the connection stays relayed) and over WebRTC (signalled through the relay,
// then direct). Every line is prefixed with the role that printed it. In the lab of the NAT tier
// (scripts/nat/) the same roles run behind real NAT routers.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const sourceDir = import.meta.dirname
const compileCache = { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') }

function startRole (label: string, script: string, env: Record<string, string>, onLine?: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [join(sourceDir, script)], { env: { ...compileCache, ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const output of [child.stdout, child.stderr]) {
    createInterface({ input: output! }).on('line', line => {
      console.log(`${label.padEnd(13)} │ ${line}`)
      onLine?.(line)
    })
  }
  return child
}

async function exitCode (child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = await once(child, 'exit') as [number | null]
  return code ?? 1
}

/** Starts a server role and resolves with its READY line's JSON; rejects if it exits first. */
async function ready<T> (label: string, script: string, env: Record<string, string>): Promise<{ child: ChildProcess, ready: T }> {
  const { promise, resolve } = Promise.withResolvers<T>()
  const child = startRole(label, script, env, line => { if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)) as T) })
  return { child, ready: await Promise.race([promise, exitCode(child).then(code => { throw new Error(`${label} exited with code ${code} before it was ready`) })]) }
}

const started = performance.now()
const servers: ChildProcess[] = []
let failed = false
try {
  console.log('dev: starting the relay (TCP, QUIC and WebSockets on 127.0.0.1, random ports)')
  const relay = await ready<{ multiaddrs: string[] }>('relay', 'relay.ts', {})
  servers.push(relay.child)
  console.log('dev: starting the listener: a reservation on the relay, relayed and WebRTC addresses')
  const listener = await ready<{ circuit: string, webrtc: string }>('listener', 'listener.ts', { RELAY_ADDR: relay.ready.multiaddrs[0]! })
  servers.push(listener.child)
  for (const [label, address] of [['dialer-relay', listener.ready.circuit], ['dialer-webrtc', listener.ready.webrtc]] as const) {
    console.log(`dev: ${label}: dialling ${label === 'dialer-relay' ? 'the relayed address (DCUtR has no public address to try on loopback)' : 'the WebRTC address'}`)
    const code = await exitCode(startRole(label, 'dialer.ts', { LISTENER_ADDR: address, DIRECT_TIMEOUT_MS: '3000' }))
    if (code !== 0) throw new Error(`${label} exited with code ${code}`)
  }
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  for (const server of servers.reverse()) {
    server.kill('SIGTERM')
    if (await exitCode(server) !== 0) failed = true
  }
}
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${((performance.now() - started) / 1000).toFixed(2)} s`)
process.exit(failed ? 1 : 0)
