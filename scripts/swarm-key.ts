// `pnpm swarm-key <path>` (or `node scripts/liftoff.mjs swarm-key <path>`): writes a new pre-shared key for a
// private network, in the `swarm.key` format Kubo reads (/key/swarm/psk/1.0.0/, /base16/, 64 hex digits),
// readable only by you. Give the same file to every peer: Kubo in its repo (or SWARM_KEY_FILE for
// peers/ipfs/kubo), SWARM_KEY_FILE for the libp2p v3 and Helia examples. Peers without it cannot connect.
import { writeFileSync } from 'node:fs'
import { generateKey } from '@libp2p/pnet'

const [path] = process.argv.slice(2)
if (path === undefined) {
  console.error('swarm-key: usage: pnpm swarm-key <path>   (e.g. swarm.key)')
  process.exit(1)
}
const key = new Uint8Array(95)
generateKey(key)
try {
  writeFileSync(path, key, { mode: 0o600, flag: 'wx' })
} catch (err) {
  const error = err as NodeJS.ErrnoException
  console.error(
    `swarm-key: ${error.code === 'EEXIST' ? `${path} exists; not overwriting a key peers may share` : error.message}`
  )
  process.exit(1)
}
console.log(`wrote a new swarm key to ${path}`)
