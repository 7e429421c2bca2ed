// The UPnP trial: what @libp2p/upnp-nat would do for an IPv6 listen address if it did not first insist on the
// router's external IPv4 address. `pinhole.ts <port> <address>`: finds the LAN's UPnP IGD v2 over IPv6 with
// @achingbrain/nat-port-mapper (the client upnp-nat uses), asks it for a TCP pinhole to <address>:<port>
// (AddPinhole), prints `PINHOLE {json}` and exits 0; or one line and exit 1.
import { upnpNat } from '@achingbrain/nat-port-mapper'

const [port, address] = [Number(process.argv[2]), process.argv[3]]
if (!Number.isInteger(port) || address === undefined) {
  console.error('usage: pinhole.ts <port> <address>')
  process.exit(1)
}
const SEARCH_MS = 10_000
try {
  const client = upnpNat({ autoRefresh: false })
  let found
  for await (const gateway of client.findGateways({ signal: AbortSignal.timeout(SEARCH_MS) })) {
    if (gateway.family === 'IPv6') {
      found = gateway
      break
    }
  }
  if (found === undefined) throw new Error(`no UPnP gateway answered over IPv6 within ${SEARCH_MS} ms`)
  const mapping = await found.map(port, address, { protocol: 'TCP' })
  console.log(`PINHOLE ${JSON.stringify({ gateway: `${found.host}:${found.port}`, ...mapping })}`)
  // exits without the gateway's stop(), which deletes every pinhole it opened: this one lives for its lease
  process.exit(0)
} catch (err) {
  console.error(`pinhole: ${(err as Error).message}`)
  process.exit(1)
}
