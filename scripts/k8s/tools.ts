// What the Kubernetes tier builds from source, once per version, into .tools/go/<name>@<version>/:
// Kubernetes itself (kubelet, kubeadm, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy,
// kubectl) from the k8s.io/kubernetes module, through a wrapper module that replaces each of its `./staging`
// modules by the matching published release; the etcd, CoreDNS and pause versions that kubeadm itself asks
// for (`kubeadm config images list`); kind, helm, Prometheus and kube-router (the NetworkPolicy firewall)
// from their modules.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePackages } from '../lib/apt.ts'
import { buildGoProgram, downloadModule, programDir, type GoProgram, type Log } from '../lib/build-go-program.ts'

/**
 * Kubernetes 1.34: the newest minor that still runs on cgroup v1 without opting in (1.35 needs failCgroupV1: false).
 */
export const KUBERNETES_VERSION = 'v1.34.4'
export const KIND_VERSION = 'v0.33.0'
export const HELM_VERSION = 'v4.3.2'
/** Prometheus 3.16.0 (its Go module numbers v3.x.y as v0.3xx.y). */
export const PROMETHEUS_MODULE_VERSION = 'v0.316.0'
export const PROMETHEUS_VERSION = '3.16.0'
/** kube-router, for its NetworkPolicy firewall only (the newest version the module proxy serves here). */
export const KUBE_ROUTER_VERSION = 'v2.1.0'

export const KUBERNETES_COMMANDS = [
  'kubelet', 'kubeadm', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubectl'
]

/** A program whose main package is its module's root, built stripped from a wrapper module. */
function fromModuleRoot (name: string, module: string, version: string): GoProgram {
  return { name, module, version, packages: [module], ldflags: ['-s', '-w'], wrapper: {} }
}

function kubernetesProgram (): GoProgram {
  const moduleDir = downloadModule('k8s.io/kubernetes', KUBERNETES_VERSION)
  // k8s.io/api => ./staging/src/k8s.io/api, …: each becomes its release, v0.<minor>.<patch>
  const staging = [
    ...readFileSync(join(moduleDir, 'go.mod'), 'utf8').matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+\.\/staging\//gm)
  ].map(match => match[1]!)
  if (staging.length === 0) {
    throw new Error(`k8s.io/kubernetes ${KUBERNETES_VERSION}: no ./staging replaces in its go.mod`)
  }
  const release = KUBERNETES_VERSION.replace(/^v1\./, 'v0.')
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.')
  const ldflags = ['-s', '-w']
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    ldflags.push(
      `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`
    )
  }
  return {
    name: 'kubernetes',
    module: 'k8s.io/kubernetes',
    version: KUBERNETES_VERSION,
    packages: KUBERNETES_COMMANDS.map(command => `k8s.io/kubernetes/cmd/${command}`),
    ldflags,
    wrapper: { replace: Object.fromEntries(staging.map(path => [path, `${path} ${release}`])) }
  }
}

export interface Tools {
  kubernetes: string
  etcd: string
  coredns: string
  pause: string
  kind: string
  helm: string
  prometheus: string
  kubeRouter: string
  /** The etcd, CoreDNS and pause images kubeadm asks for (registry.k8s.io/…:tag). */
  images: { etcd: string, coredns: string, pause: string }
}

/** The image tags kubeadm's `config images list` gives for its own version. */
function kubeadmImages (kubeadm: string): { etcd: string, coredns: string, pause: string } {
  const lines = execFileSync(kubeadm, ['config', 'images', 'list', '--kubernetes-version', KUBERNETES_VERSION], {
    encoding: 'utf8'
  })
    .trim()
    .split('\n')
  const find = (name: string): string => {
    const line = lines.find(image => image.startsWith(`registry.k8s.io/${name}:`))
    if (line === undefined) throw new Error(`kubeadm ${KUBERNETES_VERSION} lists no ${name} image: ${lines.join(', ')}`)
    return line
  }
  return { etcd: find('etcd'), coredns: find('coredns/coredns'), pause: find('pause') }
}

/** pause, as Kubernetes builds it: its C source, from the k8s.io/kubernetes module, compiled static. */
function buildPause (version: string, log: Log): string {
  const dir = programDir({ name: 'pause', module: 'k8s.io/kubernetes', version, packages: [] })
  if (existsSync(join(dir, 'pause'))) return dir
  if (spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status !== 0) {
    ensurePackages('k8s', ['gcc', 'libc6-dev'], { otherwise: 'install a C compiler (gcc) with a static libc', log })
  }
  const source = join(downloadModule('k8s.io/kubernetes', KUBERNETES_VERSION), 'build', 'pause', 'linux', 'pause.c')
  const declared = /^TAG \?= (\S+)$/m.exec(readFileSync(join(source, '..', '..', 'Makefile'), 'utf8'))?.[1]
  if (declared !== version) {
    throw new Error(
      `kubeadm asks for pause ${version}, ` +
        `but Kubernetes ${KUBERNETES_VERSION}'s source is pause ${declared ?? 'unknown'}`
    )
  }
  mkdirSync(dir, { recursive: true })
  execFileSync('gcc', [
    '-Os',
    '-Wall',
    '-Werror',
    '-static',
    `-DVERSION=v${version}-liftoff`,
    '-o',
    join(dir, 'pause.partial'),
    source
  ])
  renameSync(join(dir, 'pause.partial'), join(dir, 'pause'))
  log(`built pause ${version} → ${dir}`)
  return dir
}

/** Every tool the tier needs, built where missing. */
export async function buildTools (log: Log): Promise<Tools> {
  const kubernetes = await buildGoProgram(kubernetesProgram(), log)
  const images = kubeadmImages(join(kubernetes, 'kubeadm'))
  const tag = (image: string): string => image.slice(image.lastIndexOf(':') + 1)
  const etcdVersion = `v${tag(images.etcd).replace(/-\d+$/, '')}` // 3.6.5-0 → v3.6.5
  const etcd = await buildGoProgram(
    { ...fromModuleRoot('etcd', 'go.etcd.io/etcd/server/v3', etcdVersion), binaries: ['server'] }, log
  )
  const coredns = await buildGoProgram(
    fromModuleRoot('coredns', 'github.com/coredns/coredns', tag(images.coredns)), log
  )
  const pause = buildPause(tag(images.pause), log)
  const kind = await buildGoProgram(fromModuleRoot('kind', 'sigs.k8s.io/kind', KIND_VERSION), log)
  const helm = await buildGoProgram(
    {
      name: 'helm',
      module: 'helm.sh/helm/v4',
      version: HELM_VERSION,
      packages: ['helm.sh/helm/v4/cmd/helm'],
      ldflags: ['-s', '-w', `-X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`],
      wrapper: {}
    },
    log
  )
  const prometheus = await buildGoProgram(
    {
      name: 'prometheus',
      module: 'github.com/prometheus/prometheus',
      version: PROMETHEUS_MODULE_VERSION,
      packages: ['github.com/prometheus/prometheus/cmd/prometheus'],
      // static scrape configs only: no service discovery plugins (half the build)
      tags: ['remove_all_sd'],
      ldflags: ['-s', '-w', `-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION}`],
      wrapper: {}
    },
    log
  )
  const kubeRouter = await buildGoProgram(
    {
      name: 'kube-router',
      module: 'github.com/cloudnativelabs/kube-router/v2',
      version: KUBE_ROUTER_VERSION,
      packages: ['github.com/cloudnativelabs/kube-router/v2/cmd/kube-router'],
      ldflags: ['-s', '-w'],
      wrapper: {}
    },
    log
  )
  return { kubernetes, etcd, coredns, pause, kind, helm, prometheus, kubeRouter, images }
}

// `node scripts/liftoff.mjs build:k8s`: builds them alone (`.ci/run` does, in the background, while other tiers run).
if (import.meta.main) {
  try {
    const started = Date.now()
    const tools = await buildTools(line => console.error(`build:k8s: ${line}`))
    console.log(
      `k8s tools ready in ${Math.round((Date.now() - started) / 1000)} s: ${Object.values(tools)
        .filter(value => typeof value === 'string')
        .join(', ')}`
    )
  } catch (err) {
    console.error(`build:k8s: ${(err as Error).message}`)
    process.exit(1)
  }
}
