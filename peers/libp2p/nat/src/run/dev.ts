// `pnpm dev`: the three roles on loopback, each its own process: the relay, the listener (which takes a
// reservation on it), then the dialer twice: through the relay (loopback addresses are private, so DCUtR
// has nothing to punch to and the connection stays relayed) and over WebRTC (signalled through the relay,
// then direct). Every line is prefixed with the role that printed it. In the lab of the NAT tier
// (scripts/nat/) the same roles run behind real NAT routers.
import { runToEnd, startReady, stopRoles } from './roles.ts'
import type { ListenerReady } from '../listener.ts'
import type { Relay } from '../relay.ts'

const started = performance.now()
let failed = false
try {
  console.log('dev: starting the relay (TCP, QUIC and WebSockets on 127.0.0.1, random ports)')
  const relay = await startReady<Relay['ready']>('relay', ['src/relay.ts'], {})
  console.log('dev: starting the listener: a reservation on the relay, relayed and WebRTC addresses')
  const RELAY_ADDR = relay.multiaddrs[0]!
  const listener = await startReady<ListenerReady>('listener', ['src/listener.ts'], { RELAY_ADDR })
  console.log('dev: dialer-relay: dialling the relayed address (DCUtR has no public address to try on loopback)')
  await runToEnd('dialer-relay', ['src/dialer.ts'], { LISTENER_ADDR: listener.circuit, DIRECT_TIMEOUT_MS: '3000' })
  console.log('dev: dialer-webrtc: dialling the WebRTC address')
  await runToEnd('dialer-webrtc', ['src/dialer.ts'], { LISTENER_ADDR: listener.webrtc, DIRECT_TIMEOUT_MS: '3000' })
} catch (err) {
  console.error(`dev: ${(err as Error).message}`)
  failed = true
} finally {
  // a server that does not exit 0 on SIGTERM fails the run: a clean stop is part of the example
  if (!await stopRoles()) {
    console.error('dev: a role did not exit 0 when stopped')
    failed = true
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(2)
console.log(`dev: ${failed ? 'FAILED' : 'all roles finished'} in ${seconds} s`)
process.exit(failed ? 1 : 0)
