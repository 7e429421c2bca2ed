// Builds the real peers the interop suite talks to, Kubo and Bacalhau, from their Go modules into the
// git-ignored .tools/go/<name>@<version>/, once per version. The versions are the ones the examples pin
// (peers/ipfs/kubo and peers/bacalhau/client package.json, "liftoff" field).
//   node scripts/real-peers.ts            # build whatever is missing, print the binaries' paths
//   node scripts/real-peers.ts kubo       # just one
// Their tags carry `replace`/`exclude` directives, which `go install mod/cmd@version` refuses, so the module is
// downloaded (`go mod download -json`) and built inside its own directory instead.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'

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
  const manifest = JSON.parse(readFileSync(join(repoRoot, example, 'package.json'), 'utf8')) as { liftoff?: Record<string, string> }
  const version = manifest.liftoff?.[key]
  if (version === undefined) throw new Error(`${example}/package.json has no liftoff.${key}`)
  return version
}

export function realPeers (): Record<RealPeer['name'], RealPeer> {
  const bacalhauVersion = pinnedVersion('peers/bacalhau/client', 'bacalhau')
  return {
    kubo: { name: 'kubo', module: 'github.com/ipfs/kubo', version: pinnedVersion('peers/ipfs/kubo', 'kubo'), mainPackage: './cmd/ipfs', binaryName: 'ipfs', ldflags: [] },
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
  return join(repoRoot, '.tools', 'go', `${peer.name}@${peer.version}`, peer.binaryName)
}

function goVersion (): string {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim() // "go1.26.8"
  } catch {
    throw new Error('Go is not installed: the interop suite builds Kubo and Bacalhau from source and needs Go >= 1.26 on PATH (https://go.dev/dl/ or your package manager)')
  }
}

function atLeast (version: string, floor: string): boolean {
  const parse = (text: string): number[] => text.replace(/^go/, '').split(/[.a-z]/).map(Number)
  const [a, b] = [parse(version), parse(floor)]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

const goEnv = { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' }

/** Builds `peer` unless its binary is there already; returns the binary's path. */
export async function buildRealPeer (peer: RealPeer, log: (line: string) => void = line => console.error(`real-peers: ${line}`)): Promise<string> {
  const binary = binaryPath(peer)
  if (existsSync(binary)) return binary
  const installed = goVersion()
  const download = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${peer.module}@${peer.version}`], { encoding: 'utf8', env: goEnv })) as { Dir?: string, Error?: string }
  if (download.Dir === undefined) throw new Error(`go mod download ${peer.module}@${peer.version} failed: ${download.Error ?? 'no directory'}`)
  const needed = /^go (\S+)$/m.exec(readFileSync(join(download.Dir, 'go.mod'), 'utf8'))?.[1]
  if (needed !== undefined && !atLeast(installed, needed)) {
    throw new Error(`${peer.name} ${peer.version} needs Go >= ${needed}; found ${installed}`)
  }
  mkdirSync(join(binary, '..'), { recursive: true })
  const partial = `${binary}.partial`
  log(`building ${peer.name} ${peer.version} with ${installed} (the first build downloads its dependencies and takes minutes)`)
  const started = Date.now()
  const heartbeat = setInterval(() => log(`  still building ${peer.name} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000)
  try {
    const args = ['build', '-trimpath', '-o', partial, ...(peer.ldflags.length > 0 ? ['-ldflags', peer.ldflags.join(' ')] : []), peer.mainPackage]
    const child = spawn('go', args, { cwd: download.Dir, env: goEnv, stdio: ['ignore', 'inherit', 'pipe'] })
    const errors: string[] = []
    child.stderr.setEncoding('utf8').on('data', (text: string) => errors.push(...text.split('\n').filter(line => line !== '' && !line.startsWith('go: downloading'))))
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    if (code !== 0) throw new Error(`go build of ${peer.name} ${peer.version} failed (exit ${code}): ${errors.slice(0, 5).join(' | ')}`)
  } finally {
    clearInterval(heartbeat)
  }
  renameSync(partial, binary)
  log(`built ${peer.name} ${peer.version} in ${Math.round((Date.now() - started) / 1000)} s → ${binary}`)
  return binary
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
