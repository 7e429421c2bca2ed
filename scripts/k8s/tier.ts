// `node scripts/liftoff.mjs test:k8s` (root): the Helm chart on a real Kubernetes cluster of three nodes.
// Brings a Docker engine (scripts/docker/engine.ts: installed with apt and started when none runs), builds
// Kubernetes, etcd, CoreDNS, pause, kind, helm, Prometheus and kube-router (the NetworkPolicy firewall) from
// source (scripts/k8s/tools.ts, cached in .tools/ by version), the node and control plane images
// (scripts/k8s/images.ts), creates the kind cluster, loads the examples' images into it, runs the tests in
// scripts/k8s/, and deletes the cluster and stops the engine it started whatever happens.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ensureBaseImage, ensureDiskSpace, ensureEngine, ensureProfileImages, type Engine } from '../docker/engine.ts'
import { createCluster, deleteCluster, loadImages, sharedVolumes } from './cluster.ts'
import { buildComponentImages, buildExampleImages, buildNodeImage } from './images.ts'
import { buildTools, type Tools } from './tools.ts'
import type { TierSetup } from './setup.ts'
import { runVitest } from '../lib/run-vitest.ts'

/** Room the cluster needs beyond its images; measured 5.7 GB: the three nodes' containerd stores (the control
 * plane's images unpacked on each, the examples' loaded into both workers). */
const CLUSTER_GIB = 7
const started = Date.now()
const log = (line: string): void => console.error(`k8s tier: [${Math.round((Date.now() - started) / 1000)} s] ${line}`)

if (process.getuid?.() !== 0) {
  console.error('k8s tier: needs root (a Docker engine, privileged kind nodes): run it as root, e.g. in a VM')
  process.exit(1)
}

let engine: Engine | undefined
let tools: Tools | undefined
let kubeconfig: string | undefined
let code = 1

/** After a failure, what the cluster looked like: every pod, and what the firewall (kube-router) complained of. */
function printDiagnosis (kubectl: string, config: string): void {
  const ask = (args: string[]): string => {
    const run = spawnSync(kubectl, ['--kubeconfig', config, ...args], { encoding: 'utf8', timeout: 30_000 })
    return `${run.stdout}${run.stderr}`.trim()
  }
  log(`the cluster's pods:\n${ask(['get', 'pods', '-A', '-o', 'wide'])}`)
  const firewall = ask(['-n', 'kube-system', 'logs', '-l', 'app=liftoff-network-policy', '--prefix', '--tail=-1'])
  const complaints = firewall.split('\n')
    .filter(line => /\] [EW]\d{4} /.test(line) && !/deprecated|Malformed version/.test(line))
  log(`the firewall's errors and warnings (${complaints.length}):\n${complaints.slice(-40).join('\n')}`)
}

try {
  engine = await ensureEngine(log)
  ensureBaseImage(log)
  tools = await buildTools(log)
  log('tools ready')
  const { KUBO_IMAGE, BACALHAU_IMAGE } = await ensureProfileImages(log)
  const components = buildComponentImages(tools, log)
  const nodeImage = buildNodeImage(tools, components.preload, log)
  const examples = buildExampleImages(log)
  log('images ready')
  ensureDiskSpace('k8s', CLUSTER_GIB, 'more for its cluster')
  const cluster = createCluster(join(tools.kind, 'kind'), nodeImage, log)
  kubeconfig = cluster.kubeconfig
  await loadImages(cluster, [...examples, components.prometheus, KUBO_IMAGE, BACALHAU_IMAGE], log)
  const kubectl = join(tools.kubernetes, 'kubectl')
  const volumes = spawnSync(kubectl, ['--kubeconfig', cluster.kubeconfig, 'apply', '-f', '-'], {
    input: sharedVolumes(16),
    encoding: 'utf8'
  })
  if (volumes.status !== 0) throw new Error(`creating the shared PersistentVolumes failed: ${volumes.stderr.trim()}`)
  // the NetworkPolicy firewall (kube-router, images/default-cni.yaml) on every node before the chart relies on it
  const firewall = spawnSync(
    kubectl,
    [
      '--kubeconfig', cluster.kubeconfig, '-n', 'kube-system', 'rollout', 'status', 'daemonset/liftoff-network-policy',
      '--timeout=180s'
    ],
    { encoding: 'utf8' }
  )
  if (firewall.status !== 0) {
    throw new Error(
      'the NetworkPolicy firewall (kube-router) did not start on every node: ' +
        `${(firewall.stderr || firewall.stdout).trim()}`
    )
  }
  log('NetworkPolicy firewall ready on every node')
  const setup: TierSetup = {
    kubeconfig: cluster.kubeconfig,
    kubectl,
    helm: join(tools.helm, 'helm'),
    nodes: cluster.nodes,
    workers: cluster.workers,
    kuboImage: KUBO_IMAGE,
    bacalhauImage: BACALHAU_IMAGE,
    prometheusImage: components.prometheus
  }
  log('running the tests')
  code = await runVitest(
    join(import.meta.dirname, 'vitest.config.ts'), { ...process.env, LIFTOFF_K8S: JSON.stringify(setup) }
  )
} catch (err) {
  console.error(`k8s tier: ${(err as Error).message}`)
} finally {
  if (code !== 0 && kubeconfig !== undefined && tools !== undefined) {
    printDiagnosis(join(tools.kubernetes, 'kubectl'), kubeconfig)
  }
  if (tools !== undefined) {
    log('deleting the cluster')
    deleteCluster(join(tools.kind, 'kind'))
  }
  await engine?.stop()
  log(`done (exit ${code})`)
}
process.exit(code)
