// The tier's cluster: kind with the locally built node image, one control plane and two workers, a host
// folder mounted into every node as the storage behind the PersistentVolumes (so a volume follows its pod
// to the other worker, as network storage would), images loaded into the nodes' containerd.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Log } from '../lib/build-go-program.ts'

const repoRoot = join(import.meta.dirname, '..', '..')
const workDir = join(repoRoot, '.tools', 'k8s')

export const CLUSTER_NAME = 'liftoff-k8s'
/** Where the nodes see the shared folder, and so where the PersistentVolumes point. */
const SHARED_IN_NODE = '/liftoff-shared'
/** The example images run as uid 1000 (`node`); hostPath volumes are not chowned by fsGroup. */
const EXAMPLE_UID = 1000

export interface Cluster {
  name: string
  kubeconfig: string
  nodes: string[]
  workers: string[]
  kind: string
}

function run (command: string, args: string[], options: { input?: string, timeoutMs?: number } = {}): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    input: options.input,
    timeout: options.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  if (result.error !== undefined || result.status !== 0) {
    const why = (result.error?.message ?? result.stderr.trim().split('\n').slice(-4).join(' | ')) ||
      `exit ${result.status}`
    throw new Error(`${command} ${args.join(' ')} failed: ${why}`)
  }
  return result.stdout
}

function kindConfig (shared: string): string {
  const node = (role: string): string =>
    `  - role: ${role}\n    extraMounts: [{ hostPath: ${shared}, containerPath: ${SHARED_IN_NODE} }]\n`
  return [
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    'nodes:',
    node('control-plane') + node('worker') + node('worker'),
    // a stopped node is noticed in 20 s instead of 50 s: the faults test waits for that
    'kubeadmConfigPatches:',
    '  - |',
    '    kind: ClusterConfiguration',
    '    controllerManager:',
    '      extraArgs:', // kind writes kubeadm's v1beta3 config for 1.34: a map
    '        node-monitor-grace-period: 20s',
    ''
  ].join('\n')
}

/** Deletes a cluster of this name left by an earlier run, then creates a new one. */
export function createCluster (kind: string, nodeImage: string, log: Log): Cluster {
  deleteCluster(kind)
  mkdirSync(workDir, { recursive: true })
  const shared = join(workDir, 'shared')
  rmSync(shared, { recursive: true, force: true })
  mkdirSync(shared, { recursive: true })
  const config = join(workDir, 'kind.yaml')
  writeFileSync(config, kindConfig(shared))
  const kubeconfig = join(workDir, 'kubeconfig')
  const started = Date.now()
  log(`creating the kind cluster ${CLUSTER_NAME} (1 control plane, 2 workers) from ${nodeImage}`)
  run(kind, [
    'create', 'cluster', '--name', CLUSTER_NAME, '--image', nodeImage, '--config', config, '--kubeconfig', kubeconfig,
    '--wait', '120s'
  ])
  const nodes = run(kind, ['get', 'nodes', '--name', CLUSTER_NAME]).trim().split('\n').sort()
  log(`cluster up in ${Math.round((Date.now() - started) / 1000)} s: ${nodes.join(', ')}`)
  return { name: CLUSTER_NAME, kubeconfig, nodes, workers: nodes.filter(node => !node.endsWith('control-plane')), kind }
}

export function deleteCluster (kind: string): void {
  spawnSync(kind, ['delete', 'cluster', '--name', CLUSTER_NAME], { stdio: 'ignore', timeout: 120_000 })
}

/**
 * Loads images from the engine into the workers' containerd, all workers at once (what `kind load
 * docker-image` does, without its crictl check), keeping only the unpacked layers (as containerd's CRI can for
 * pulls: half the disk). The control plane runs no workloads: it keeps kind's taint.
 */
export async function loadImages (cluster: Cluster, images: string[], log: Log): Promise<void> {
  const started = Date.now()
  await Promise.all(
    cluster.workers.map(async node => {
      const child = spawn(
        'sh',
        [
          '-c',
          `docker save ${images.join(' ')} | docker exec -i ${node} ctr --namespace=k8s.io images import ` +
            '--all-platforms --digests --snapshotter=overlayfs --discard-unpacked-layers -'
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] }
      )
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text
      })
      const [code] = (await once(child, 'close')) as [number | null]
      if (code !== 0) throw new Error(`loading images into ${node} failed: ${stderr.trim()}`)
    })
  )
  log(
    `loaded ${images.length} images into ${cluster.workers.length} workers in ` +
      `${Math.round((Date.now() - started) / 1000)} s`
  )
}

/**
 * `count` PersistentVolumes of the default class "shared", each a folder of the shared mount, owned by the examples'
 * user.
 */
export function sharedVolumes (count: number, size = '1Gi'): string {
  const shared = join(workDir, 'shared')
  const volumes: string[] = []
  for (let index = 1; index <= count; index++) {
    const folder = join(shared, `volume-${index}`)
    mkdirSync(folder, { recursive: true })
    chownSync(folder, EXAMPLE_UID, EXAMPLE_UID)
    volumes.push([
      'apiVersion: v1', 'kind: PersistentVolume',
      `metadata: { name: liftoff-shared-${index}, labels: { liftoff.dev/shared: "true" } }`, 'spec:',
      `  capacity: { storage: ${size} }`, '  accessModes: [ReadWriteOnce]', '  persistentVolumeReclaimPolicy: Retain',
      '  storageClassName: shared', `  hostPath: { path: ${SHARED_IN_NODE}/volume-${index}, type: Directory }`
    ].join('\n'))
  }
  return volumes.join('\n---\n') + '\n'
}
