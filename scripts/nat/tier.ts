// `pnpm test:nat` (node scripts/liftoff.mjs test:nat): peers behind NAT routers in a lab of network
// namespaces (scripts/testing/nat-lab.ts). Needs root; installs with apt where missing (scripts/lib/apt.ts: only
// they and what they depend on): iproute2, iptables (ip6tables NAT66), conntrack (to show the routers'
// mappings), coturn (the STUN/TURN server on the lab's wan) and miniupnpd (a router that offers UPnP).
// Kubo comes from `build:peers` and Chromium from the browser tier's check (scripts/install-chromium.ts), both run
// before this.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ensurePackages } from '../lib/apt.ts'
import { runVitest } from '../lib/run-vitest.ts'

const fail = (line: string): never => {
  console.error(`nat tier: ${line}`)
  process.exit(1)
}

if (process.getuid?.() !== 0) {
  fail('needs root: network namespaces, ip6tables and conntrack (run it as root, as CI does)')
}
try {
  ensurePackages('nat', ['iproute2', 'iptables', 'conntrack', 'coturn', 'miniupnpd-iptables'], {
    otherwise: 'run the tier in a VM or container where you are root',
    log: line => console.error(`nat tier: ${line}`)
  })
} catch (err) {
  fail((err as Error).message)
}
const probe = spawnSync('ip', ['netns', 'add', 'lfn-probe'], { encoding: 'utf8' })
if (probe.status !== 0) fail(`cannot create network namespaces here: ${probe.stderr.trim()}`)
const nat66 = spawnSync(
  'ip',
  [
    'netns', 'exec', 'lfn-probe', 'ip6tables', '-w', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'MASQUERADE',
    '--random-fully'
  ],
  { encoding: 'utf8' }
)
spawnSync('ip', ['netns', 'delete', 'lfn-probe'])
if (nat66.status !== 0) {
  fail(`this kernel cannot NAT IPv6 in a namespace (ip6tables MASQUERADE --random-fully): ${nat66.stderr.trim()}`)
}

process.exit(await runVitest(join(import.meta.dirname, 'vitest.config.ts')))
