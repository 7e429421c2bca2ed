// The images the Kubernetes tier runs, all built on this machine (no registry is reached):
// - the control plane's images under the names kubeadm asks for (components.Dockerfile, from the binaries
//   scripts/k8s/tools.ts builds), Prometheus's, and the examples' (docker compose build, as the docker tier);
// - kind's node image: Debian 13 (debootstrap) with systemd, containerd, runc and the CNI plugins from
//   Debian's packages, kind's own node files (entrypoint, systemd units, containerd config) from the kind
//   module, the Kubernetes binaries, this tier's pod network and storage manifests, and the control plane
//   images preloaded into its containerd, as `kind build node-image` would leave them.
// Each image is tagged with a hash of what it is made from, so a changed input rebuilds it and nothing else.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { ensurePackages } from '../lib/apt.ts'
import { baseImageName } from '../docker/engine.ts'
import { downloadModule, type Log } from '../lib/build-go-program.ts'
import { recordDocker } from '../lib/host-record.ts'
import { readComposeFile } from '../testing/compose.ts'
import { KIND_VERSION, KUBE_ROUTER_VERSION, KUBERNETES_VERSION, PROMETHEUS_VERSION, type Tools } from './tools.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const imagesDir = join(import.meta.dirname, 'images')
const workDir = join(repoRoot, '.tools', 'k8s')

/** Debian packages of the node: kind's base image's list, with Debian's containerd, runc and CNI plugins. */
const NODE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'containerd', 'runc', 'containernetworking-plugins', 'conntrack', 'iptables',
  'nftables', 'iproute2', 'ethtool', 'util-linux', 'mount', 'kmod', 'libseccomp2', 'pigz', 'bash', 'ca-certificates',
  'jq', 'procps', 'socat', 'e2fsprogs'
]

/** The Kubernetes programs the node runs itself (the control plane's run from their images). */
const NODE_BINARIES = ['kubeadm', 'kubelet', 'kubectl']

function run (command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  if (result.error !== undefined || result.status !== 0) {
    const why = (result.error?.message ?? result.stderr.trim().split('\n').slice(-3).join(' | ')) ||
      `exit ${result.status}`
    throw new Error(`${command} ${args.join(' ')} failed: ${why}`)
  }
  return result.stdout
}

const imageExists = (image: string): boolean =>
  spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0

const INPUTS_LABEL = 'dev.liftoff.inputs'

/** An image's label, or undefined when the image or the label is missing. */
function imageLabel (image: string, label: string): string | undefined {
  const inspected = spawnSync(
    'docker',
    ['image', 'inspect', '--format', `{{index .Config.Labels "${label}"}}`, image],
    { encoding: 'utf8' }
  )
  const value = inspected.stdout?.trim()
  return inspected.status === 0 && value !== '' && value !== '<no value>' ? value : undefined
}

function hashOf (...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest('hex').slice(0, 12)
}

export interface ControlPlaneImages {
  /** Every image the node preloads (kubeadm's list and the pod network's). */
  preload: string[]
  prometheus: string
}

/** The control plane's images and Prometheus's, from components.Dockerfile. */
export function buildComponentImages (tools: Tools, log: Log): ControlPlaneImages {
  const kube = (name: string): string => `registry.k8s.io/${name}:${KUBERNETES_VERSION}`
  const controlPlane: Record<string, string> = {
    'kube-apiserver': kube('kube-apiserver'),
    'kube-controller-manager': kube('kube-controller-manager'),
    'kube-scheduler': kube('kube-scheduler'),
    'kube-proxy': kube('kube-proxy'),
    etcd: tools.images.etcd,
    coredns: tools.images.coredns,
    pause: tools.images.pause,
    // the pod network's NetworkPolicy firewall (images/default-cni.yaml names this image)
    'kube-router': `liftoff/kube-router:${KUBE_ROUTER_VERSION}`
  }
  const cni = readFileSync(join(imagesDir, 'default-cni.yaml'), 'utf8')
  for (const image of [controlPlane['kube-proxy']!, controlPlane['kube-router']!]) {
    if (!cni.includes(`image: ${image}`)) {
      throw new Error(`images/default-cni.yaml does not run ${image}: keep its images at the versions tools.ts builds`)
    }
  }
  const prometheus = `liftoff/prometheus:v${PROMETHEUS_VERSION}`
  const targets: Record<string, string> = { ...controlPlane, prometheus }
  const built = { preload: Object.values(controlPlane), prometheus }
  const context = join(workDir, 'components')
  const files: Record<string, string> = {
    'kube-apiserver': join(tools.kubernetes, 'kube-apiserver'),
    'kube-controller-manager': join(tools.kubernetes, 'kube-controller-manager'),
    'kube-scheduler': join(tools.kubernetes, 'kube-scheduler'),
    'kube-proxy': join(tools.kubernetes, 'kube-proxy'),
    kubectl: join(tools.kubernetes, 'kubectl'),
    etcd: join(tools.etcd, 'server'),
    coredns: join(tools.coredns, 'coredns'),
    pause: join(tools.pause, 'pause'),
    prometheus: join(tools.prometheus, 'prometheus'),
    'kube-router': join(tools.kubeRouter, 'kube-router')
  }
  // The binaries are per version (their tags say which); the label says which Dockerfile and base made them.
  const inputs = hashOf(
    readFileSync(join(imagesDir, 'components.Dockerfile')),
    run('docker', ['image', 'inspect', '--format', '{{.Id}}', baseImageName()]).trim()
  )
  const missing = Object.entries(targets).filter(([, image]) => imageLabel(image, INPUTS_LABEL) !== inputs)
  if (missing.length === 0) return built
  rmSync(context, { recursive: true, force: true })
  mkdirSync(context, { recursive: true })
  for (const [name, path] of Object.entries(files)) copyFileSync(path, join(context, name))
  copyFileSync(join(imagesDir, 'components.Dockerfile'), join(context, 'Dockerfile'))
  for (const [target, image] of missing) {
    log(`building the image ${image}`)
    run('docker', [
      'build', '-q', '--build-arg', `BASE_IMAGE=${baseImageName()}`, '--label', `${INPUTS_LABEL}=${inputs}`, '--target',
      target, '-t', image, context
    ])
  }
  rmSync(context, { recursive: true, force: true })
  recordDocker({ images: Object.values(targets) })
  return built
}

/** The kind node image's name: the Kubernetes version and a hash of everything it is made from. */
function nodeImageName (tools: Tools, preload: string[]): string {
  const inputs: Array<string | Buffer> = [KUBERNETES_VERSION, KIND_VERSION, NODE_PACKAGES.join(' '), ...preload]
  for (const file of readdirSync(imagesDir).sort()) inputs.push(file, readFileSync(join(imagesDir, file), 'utf8'))
  for (const image of preload) inputs.push(run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]).trim())
  inputs.push(
    readFileSync(import.meta.filename, 'utf8'),
    ...NODE_BINARIES.map(command => readFileSync(join(tools.kubernetes, command)))
  )
  return `liftoff/kind-node:${KUBERNETES_VERSION}-${hashOf(...inputs)}`
}

/** The node image, built unless it exists. */
export function buildNodeImage (tools: Tools, preload: string[], log: Log): string {
  const image = nodeImageName(tools, preload)
  if (imageExists(image)) return image
  if (spawnSync('debootstrap', ['--version'], { stdio: 'ignore' }).status !== 0) {
    ensurePackages('k8s', ['debootstrap'], { otherwise: 'install debootstrap', log })
  }
  const started = Date.now()
  const rootfs = join(workDir, 'node-rootfs')
  rmSync(rootfs, { recursive: true, force: true })
  mkdirSync(rootfs, { recursive: true })
  log(`building the kind node image ${image}: Debian 13 with systemd and containerd (debootstrap, about 2 minutes)`)
  run('debootstrap', [
    '--variant=minbase', `--include=${NODE_PACKAGES.join(',')}`, 'trixie', rootfs, 'http://deb.debian.org/debian'
  ])

  // kind's node files, from the kind module itself
  const kindFiles = join(downloadModule('sigs.k8s.io/kind', KIND_VERSION), 'images', 'base', 'files')
  cpSync(join(kindFiles, 'usr'), join(rootfs, 'usr'), { recursive: true })
  cpSync(join(kindFiles, 'kind'), join(rootfs, 'kind'), { recursive: true })
  cpSync(join(kindFiles, 'etc'), join(rootfs, 'etc'), { recursive: true })
  for (const script of [
    'usr/local/bin/entrypoint',
    'usr/local/bin/clean-install',
    ...readdirSync(join(kindFiles, 'kind', 'bin')).map(name => `kind/bin/${name}`)
  ]) { chmodSync(join(rootfs, script), 0o755) }
  // Debian's containerd and CNI plugins live where kind's units and containerd's defaults do not look
  symlinkSync('/usr/bin/containerd', join(rootfs, 'usr', 'local', 'bin', 'containerd'))
  mkdirSync(join(rootfs, 'opt', 'cni'), { recursive: true })
  symlinkSync('/usr/lib/cni', join(rootfs, 'opt', 'cni', 'bin'))
  // This machine's containers may not lower a process's OOM score (no CAP_SYS_RESOURCE): containerd keeps
  // each container's score at or above its own, as kind's entrypoint does for rootless nodes.
  const containerdConfig = join(rootfs, 'etc', 'containerd', 'config.toml')
  writeFileSync(
    containerdConfig,
    readFileSync(containerdConfig, 'utf8')
      .replace('restrict_oom_score_adj = false', 'restrict_oom_score_adj = true')
      .replace(/sandbox_image = "[^"]*"/, `sandbox_image = "${tools.images.pause}"`)
  )
  run('chroot', [
    rootfs,
    'sh',
    '-ec',
    [
      'find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete',
      'rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* ' +
        '/lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* ' +
        '/lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*',
      'echo ReadKMsg=no >> /etc/systemd/journald.conf',
      'ln -sf /usr/lib/systemd/systemd /sbin/init',
      'systemctl enable kubelet.service containerd.service undo-mount-hacks.service',
      'systemctl mask systemd-binfmt.service',
      'mkdir -p /etc/kubernetes/manifests /kind/manifests',
      // containerd's base OCI spec, with kind's hook that mounts the node's product_uuid into containers
      'ctr oci spec | jq \'.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": ' +
        '"/kind/bin/mount-product-files.sh"}\' | jq \'del(.process.rlimits)\' > /etc/containerd/cri-base.json'
    ].join('\n')
  ])
  for (const command of NODE_BINARIES) {
    copyFileSync(join(tools.kubernetes, command), join(rootfs, 'usr', 'bin', command))
    chmodSync(join(rootfs, 'usr', 'bin', command), 0o755)
  }
  writeFileSync(join(rootfs, 'kind', 'version'), KUBERNETES_VERSION)
  copyFileSync(join(imagesDir, 'default-cni.yaml'), join(rootfs, 'kind', 'manifests', 'default-cni.yaml'))
  copyFileSync(join(imagesDir, 'default-storage.yaml'), join(rootfs, 'kind', 'manifests', 'default-storage.yaml'))
  // what apt kept (its lists: 55 MB) would be copied into every node's /var
  for (const folder of [['var', 'cache', 'apt'], ['var', 'lib', 'apt', 'lists']]) {
    rmSync(join(rootfs, ...folder), { recursive: true, force: true })
    mkdirSync(join(rootfs, ...folder), { recursive: true })
  }

  const base = `${image}-base`
  const imported = spawnSync(
    'sh',
    [
      '-c',
      `tar -C "${rootfs}" -c . | docker import --change 'ENV container=docker' --change 'STOPSIGNAL SIGRTMIN+3' ` +
        `--change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' - "${base}"`
    ],
    { encoding: 'utf8' }
  )
  if (imported.status !== 0) throw new Error(`docker import of the node image failed: ${imported.stderr.trim()}`)
  rmSync(rootfs, { recursive: true, force: true })

  // Preload: containerd runs in a container of the base image while the images go into its store unpacked
  // on first use (--no-unpack), then the container becomes the node image.
  const container = run('docker', [
    'run', '-d', '--entrypoint=sleep', '--security-opt', 'seccomp=unconfined', base, 'infinity'
  ]).trim()
  try {
    run('docker', ['exec', '-d', container, 'sh', '-c', 'containerd > /var/log/containerd-preload.log 2>&1'])
    const giveUpAt = Date.now() + 30_000
    while (spawnSync('docker', ['exec', container, 'ctr', 'version'], { stdio: 'ignore' }).status !== 0) {
      if (Date.now() > giveUpAt) throw new Error('containerd did not start in the node image while preloading')
      execFileSync('sleep', ['0.2'])
    }
    const load = spawnSync(
      'sh',
      [
        '-c',
        `docker save ${preload.join(' ')} | docker exec -i ${container} ctr --namespace=k8s.io images import ` +
          '--label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests -'
      ],
      { encoding: 'utf8' }
    )
    if (load.status !== 0) throw new Error(`preloading the control plane images failed: ${load.stderr.trim()}`)
    run('docker', [
      'exec', container, 'sh', '-c',
      'pkill containerd; while pgrep containerd >/dev/null; do sleep 0.1; done; rm -f /var/log/containerd-preload.log'
    ])
    run('docker', ['commit', '--change', 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]', container, image])
  } finally {
    spawnSync('docker', ['rm', '-f', container], { stdio: 'ignore' })
    spawnSync('docker', ['rmi', base], { stdio: 'ignore' })
  }
  recordDocker({ images: [image] })
  log(`built ${image} in ${Math.round((Date.now() - started) / 1000)} s`)
  // earlier node images (1.3 GB each) are what this one replaces
  const repository = image.slice(0, image.lastIndexOf(':'))
  for (const earlier of run('docker', ['image', 'ls', repository, '--format', '{{.Repository}}:{{.Tag}}'])
    .split('\n')
    .filter(name => name !== '' && name !== image)) {
    spawnSync('docker', ['rmi', earlier], { stdio: 'ignore' })
  }
  return image
}

/** The compose services whose images the chart runs (image: ipfs-liftoff/<example>:local). */
export const EXAMPLE_SERVICES = [
  'libp2p-v1-server', 'libp2p-v3-server', 'ipfs-helia-server', 'orbitdb-v2-server', 'orbitdb-v4-server',
  'bacalhau-runner', 'ipfs-kubo-client'
]

/** The examples' images, built by compose from docker/Dockerfile (cached layers when the docker tier ran). */
export function buildExampleImages (log: Log): string[] {
  log('building the examples\' images (docker compose build)')
  run('docker', ['compose', '--project-directory', repoRoot, '--profile', 'kubo', 'build', ...EXAMPLE_SERVICES])
  const compose = readComposeFile()
  return [...new Set(EXAMPLE_SERVICES.map(service => {
    const image = compose.services[service]?.image
    if (image === undefined) throw new Error(`docker-compose.yaml has no image for ${service}`)
    return image
  }))]
}
