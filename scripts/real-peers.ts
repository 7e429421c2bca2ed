// Builds the real peers the interop suite talks to, Kubo and Bacalhau, from their Go modules into the
// git-ignored .tools/go/<name>@<version>/, once per version. The versions are the ones the examples pin
// (peers/ipfs/kubo and peers/bacalhau/client package.json, "liftoff" field).
//   node scripts/real-peers.ts            # build whatever is missing, print the binaries' paths
//   node scripts/real-peers.ts kubo       # just one
// Their tags carry `replace`/`exclude` directives, so each is built inside its own module directory
// (scripts/lib/build-go-program.ts).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildGoProgram, programDir, type Log } from './lib/build-go-program.ts'

const repoRoot = join(import.meta.dirname, '..')

export interface RealPeer {
  name: 'kubo' | 'bacalhau'
  module: string
  version: string
  /** The package to build, relative to the module root. */
  mainPackage: string
  binaryName: string
  ldflags: string[]
}

function pinnedVersion (example: string, key: string): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot, example, 'package.json'), 'utf8')) as {
    liftoff?: Record<string, string>
  }
  const version = manifest.liftoff?.[key]
  if (version === undefined) throw new Error(`${example}/package.json has no liftoff.${key}`)
  return version
}

export function realPeers (): Record<RealPeer['name'], RealPeer> {
  const bacalhauVersion = pinnedVersion('peers/bacalhau/client', 'bacalhau')
  return {
    kubo: {
      name: 'kubo',
      module: 'github.com/ipfs/kubo',
      version: pinnedVersion('peers/ipfs/kubo', 'kubo'),
      mainPackage: './cmd/ipfs',
      binaryName: 'ipfs',
      ldflags: []
    },
    bacalhau: {
      name: 'bacalhau',
      module: 'github.com/bacalhau-project/bacalhau',
      version: bacalhauVersion,
      mainPackage: '.',
      binaryName: 'bacalhau',
      ldflags: [`-X github.com/bacalhau-project/bacalhau/pkg/version.GITVERSION=${bacalhauVersion}`]
    }
  }
}

/** Where the binary of `peer` lives once built (whether or not it is there yet). */
export function binaryPath (peer: RealPeer): string {
  return join(
    programDir({ name: peer.name, module: peer.module, version: peer.version, packages: [] }),
    peer.binaryName
  )
}

/** Builds `peer` unless its binary is there already; returns the binary's path. */
export async function buildRealPeer (
  peer: RealPeer,
  log: Log = line => console.error(`real-peers: ${line}`)
): Promise<string> {
  const dir = await buildGoProgram(
    {
      name: peer.name,
      module: peer.module,
      version: peer.version,
      packages: [peer.mainPackage],
      binaries: [peer.binaryName],
      ldflags: peer.ldflags
    },
    log
  )
  return join(dir, peer.binaryName)
}

if (import.meta.main) {
  const wanted = process.argv.slice(2)
  try {
    const peers = realPeers()
    for (const name of wanted.length > 0 ? wanted : Object.keys(peers)) {
      const peer = peers[name as RealPeer['name']]
      if (peer === undefined) throw new Error(`unknown peer "${name}"; known: ${Object.keys(peers).join(', ')}`)
      console.log(`${peer.name} ${peer.version}: ${await buildRealPeer(peer)}`)
    }
  } catch (err) {
    console.error(`real-peers: ${(err as Error).message}`)
    process.exit(1)
  }
}
