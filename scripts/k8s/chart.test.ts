// The chart on a real three-node cluster (kind: one control plane, two workers), one release through its
// life, in a namespace that enforces the "restricted" Pod Security level, with the chart's NetworkPolicies
// enforced (kube-router's firewall): lint, every pod template restricted, demo keys refused, server-side dry
// run, install, clients, only the allowed paths open, no way out of the cluster, a peer outside it,
// Prometheus, a pod moved to the other worker, an upgrade, a worker lost, uninstall. The tests run in order;
// each starts from where the one before left the release.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { expectExit, expectExitCode, startProcess, terminateAllProcesses } from '../testing/processes.ts'
import { sampleValue } from '../testing/prometheus.ts'
import { eventually, mustRun, runCommand, tierSetup } from './setup.ts'

const setup = tierSetup()
const repoRoot = join(import.meta.dirname, '..', '..')
const chart = join(repoRoot, 'deploy', 'helm', 'ipfs-liftoff')
const NAMESPACE = 'liftoff'
/** A second namespace, also restricted, with no NetworkPolicies of its own: a stranger's pods. */
const STRANGERS = 'liftoff-stranger'
const RELEASE = 'liftoff'
/** The servers whose metrics Prometheus scrapes. */
const SERVERS = ['libp2p-v1', 'libp2p-v3', 'ipfs-helia', 'orbitdb-v2', 'orbitdb-v4', 'bacalhau-runner', 'kubo']
/** Every StatefulSet of the release: the servers and real Bacalhau's orchestrator and compute node. */
const STATEFUL = [...SERVERS, 'bacalhau-orchestrator', 'bacalhau-compute']
const LIBP2P_V3_PEER = '12D3KooWJZJspSGHJHWZuLvcKVZE2VuUBfGvGTVEAFoLHhYLiJsE'

// each runs until its own --timeout and a minute more, or two minutes (setup.ts)
const kubectl = async (args: string[], input?: string): Promise<string> =>
  mustRun(setup.kubectl, ['--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, ...args], { input })
const helm = async (args: string[]): Promise<string> =>
  mustRun(setup.helm, ['--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, ...args])
const json = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl([...args, '-o', 'json'])) as T
/** GET through the API server's proxy to a Service port of the release. */
const throughProxy = async (service: string, port: string, path: string): Promise<string> =>
  kubectl(['get', '--raw', `/api/v1/namespaces/${NAMESPACE}/services/${RELEASE}-${service}:${port}/proxy${path}`])

interface Pod {
  metadata: { name: string, uid: string, labels: Record<string, string> }
  spec: { nodeName?: string }
  status: {
    phase: string
    initContainerStatuses?: Array<{ name: string, state: { terminated?: { exitCode: number } } }>
  }
}

async function serverPod (server: string): Promise<Pod> {
  return json<Pod>(['get', 'pod', `${RELEASE}-${server}-0`])
}

async function clientPods (): Promise<Pod[]> {
  return (await json<{ items: Pod[] }>(['get', 'pods', '-l', 'liftoff.dev/role=client'])).items
}

/** Every server's StatefulSet has its one pod ready (`rollout status` waits on the controller's own status). */
async function serversReady (): Promise<void> {
  for (const server of STATEFUL) {
    await kubectl(['rollout', 'status', `statefulset/${RELEASE}-${server}`, '--timeout=300s'])
  }
}

async function jobsComplete (revision: number): Promise<string[]> {
  const jobs = (await kubectl(['get', 'jobs', '-o', 'name']))
    .trim()
    .split('\n')
    .filter(name => name.endsWith(`-r${revision}`))
  // 2 per libp2p server, Helia's get and add, 2 OrbitDB writer-readers, Bacalhau's demo against the runner and against
  // real Bacalhau, Kubo's
  expect(jobs.length).toBe(11)
  // each waits in its pod until the NetworkPolicy firewall has admitted it (the chart's wait-for-server)
  await kubectl(['wait', '--for=condition=complete', '--timeout=300s', ...jobs])
  // a Job that retried: why its pods failed, for whoever reads this run
  const failed = (await json<{ items: Pod[] }>(['get', 'pods', '--field-selector=status.phase=Failed'])).items
  for (const pod of failed.filter(pod => jobs.includes(`job.batch/${pod.metadata.labels['job-name']}`))) {
    const logs = await runCommand(setup.kubectl, [
      '--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, 'logs', pod.metadata.name, '--all-containers', '--tail=15'
    ])
    console.log(`${pod.metadata.name} failed:\n${logs.stdout}${logs.stderr}`)
  }
  return jobs
}

/** How many writers of an OrbitDB writer-reader Job finished (a Job that retried ran its writer again): each wrote
 * 20 entries the server confirmed. */
async function writerRuns (major: string, revision: number): Promise<number> {
  const job = `${RELEASE}-orbitdb-${major}-writer-reader-r${revision}`
  const pods = (await json<{ items: Pod[] }>(['get', 'pods', '-l', `job-name=${job}`])).items
  return pods.filter(pod => pod.status.initContainerStatuses?.some(status =>
    status.name === 'writer' && status.state.terminated?.exitCode === 0)).length
}

/** The logs of a Job's pod that succeeded (a Job that retried has failed pods too). */
async function logsOf (job: string, container?: string): Promise<string> {
  const pods = (await json<{ items: Pod[] }>(['get', 'pods', '-l', `job-name=${job}`])).items
  const succeeded = pods.find(pod => pod.status.phase === 'Succeeded')
  if (succeeded === undefined) {
    throw new Error(
      `no pod of ${job} succeeded (${pods.map(pod => `${pod.metadata.name}: ${pod.status.phase}`).join(', ')})`
    )
  }
  return kubectl(['logs', succeeded.metadata.name, ...(container === undefined ? [] : ['-c', container])])
}

/** One PromQL query through the API server's proxy to the release's Prometheus: series → value. */
async function query (promql: string): Promise<Array<{ labels: Record<string, string>, value: number }>> {
  const body = JSON.parse(
    await throughProxy('prometheus', 'http', `/api/v1/query?query=${encodeURIComponent(promql)}`)
  ) as { data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }
  return body.data.result.map(series => ({ labels: series.metric, value: Number(series.value[1]) }))
}

async function nodeAddress (node: string): Promise<string> {
  const address = (
    await mustRun('docker', ['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', node])
  ).trim()
  expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
  return address
}

let externalHost = ''
/** What the clients of revision 1 left behind: the directory Helia's add client had pinned, Bacalhau's job. */
const made = { heliaCid: '', bacalhauJob: '', realBacalhauJob: '', orbitdbEntries: new Map<string, number>() }

/**
 * A namespace whose pods must meet the "restricted" Pod Security level (and that warns on workloads that would not).
 */
const restrictedNamespace = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted'
      }
    }
  })

let apiServerAddress = ''
beforeAll(async () => {
  externalHost = await nodeAddress(setup.workers[0]!)
  // the API server's service proxy connects to pods from the control plane node
  apiServerAddress = await nodeAddress(setup.nodes.find(node => !setup.workers.includes(node))!)
  for (const namespace of [NAMESPACE, STRANGERS]) {
    await mustRun(setup.kubectl, ['--kubeconfig', setup.kubeconfig, 'apply', '-f', '-'], {
      input: restrictedNamespace(namespace)
    })
  }
})

afterAll(async () => {
  terminateAllProcesses()
  await runCommand(setup.kubectl, ['--kubeconfig', setup.kubeconfig, 'delete', 'namespace', STRANGERS, '--wait=false'])
  await runCommand(setup.helm, [
    '--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, 'uninstall', RELEASE, '--wait', '--timeout', '120s'
  ])
})

const installValues = (): string[] => [
  // the tier's cluster is a demo nobody else reaches: the chart's public demo keys are fine here
  '--set', 'demo=true',
  '--set', `networkPolicy.apiServerCIDRs={${apiServerAddress}/32}`,
  '--set', 'kubo.enabled=true', '--set', `kubo.image=${setup.kuboImage}`,
  '--set', 'bacalhau.enabled=true', '--set', `bacalhau.image=${setup.bacalhauImage}`,
  '--set', 'prometheus.enabled=true', '--set', `prometheus.image=${setup.prometheusImage}`,
  '--set', 'externalAccess.enabled=true', '--set', `externalAccess.host=${externalHost}`
]

interface Container {
  name: string
  securityContext?: {
    runAsNonRoot?: boolean
    allowPrivilegeEscalation?: boolean
    readOnlyRootFilesystem?: boolean
    capabilities?: { drop?: string[], add?: string[] }
    seccompProfile?: { type: string }
    privileged?: boolean
  }
}
interface PodSpec {
  automountServiceAccountToken?: boolean
  hostNetwork?: boolean
  securityContext?: { runAsNonRoot?: boolean, runAsUser?: number, seccompProfile?: { type: string } }
  containers: Container[]
  initContainers?: Container[]
  volumes?: Array<Record<string, unknown> & { name: string }>
}
interface Manifest { kind: string, metadata: { name: string }, spec?: { template?: { spec: PodSpec } } }

/**
 * What the "restricted" level asks of a pod, and what the chart adds (read-only root, no token), as one line per miss.
 */
function restrictedMisses (name: string, pod: PodSpec): string[] {
  const misses: string[] = []
  if (pod.automountServiceAccountToken !== false) misses.push(`${name}: automountServiceAccountToken is not false`)
  if (pod.hostNetwork === true) misses.push(`${name}: hostNetwork`)
  if (pod.securityContext?.runAsNonRoot !== true || pod.securityContext.runAsUser === 0) {
    misses.push(`${name}: not runAsNonRoot`)
  }
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
    misses.push(`${name}: no RuntimeDefault seccompProfile`)
  }
  for (const volume of pod.volumes ?? []) {
    if (
      !['emptyDir', 'configMap', 'secret', 'persistentVolumeClaim', 'projected', 'downwardAPI'].some(
        type => type in volume
      )
    ) { misses.push(`${name}: volume ${volume.name} is of a kind restricted refuses`) }
  }
  for (const container of [...pod.initContainers ?? [], ...pod.containers]) {
    const context = container.securityContext
    const where = `${name}/${container.name}`
    if (context?.allowPrivilegeEscalation !== false) misses.push(`${where}: allowPrivilegeEscalation is not false`)
    if (context?.readOnlyRootFilesystem !== true) misses.push(`${where}: root filesystem not read-only`)
    if (!(context?.capabilities?.drop ?? []).includes('ALL') || (context?.capabilities?.add ?? []).length > 0) {
      misses.push(`${where}: capabilities not dropped`)
    }
    if (context?.privileged === true) misses.push(`${where}: privileged`)
  }
  return misses
}

/** The pod templates in rendered manifests: Deployments', StatefulSets' and Jobs'. */
function podTemplates (manifests: string): Array<{ name: string, pod: PodSpec }> {
  return parseAllDocuments(manifests).map(document => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest?.spec?.template?.spec !== undefined)
    .map(manifest => ({ name: `${manifest.kind}/${manifest.metadata.name}`, pod: manifest.spec!.template!.spec }))
}

test('helm lint passes, every pod template meets "restricted", demo keys are refused, ' +
  'and the API server accepts every manifest (server-side dry run)', async () => {
  await helm(['lint', '--strict', chart, ...installValues()])
  await helm(['lint', '--strict', chart, '--set', 'demo=true'])
  const manifests = await helm(['template', RELEASE, chart, ...installValues()])
  const pods = podTemplates(manifests)
  // 7 servers, Bacalhau's 2, Prometheus, 11 client Jobs
  expect(pods.length).toBe(21)
  expect(pods.flatMap(({ name, pod }) => restrictedMisses(name, pod))).toEqual([])
  const policies = parseAllDocuments(manifests)
    .map(document => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest?.kind === 'NetworkPolicy')
  expect(policies.map(policy => policy.metadata.name)).toContain(`${RELEASE}-default-deny`)

  // the API server takes every manifest, and its Pod Security admission warns of no workload in the restricted
  // namespace
  const applied = await runCommand(
    setup.kubectl,
    ['--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, 'apply', '--dry-run=server', '-f', '-'],
    { input: manifests }
  )
  expectExitCode(applied, 0)
  expect(applied.stdout.match(/created \(server dry run\)/g)?.length).toBeGreaterThan(50)
  expect(applied.stderr).not.toMatch(/PodSecurity/)

  // a value the chart cannot work without is one line at render time
  const missing = await runCommand(setup.helm, [
    'template', RELEASE, chart, '--set', 'demo=true', '--set', 'externalAccess.enabled=true'
  ])
  expectExitCode(missing, 1)
  expect(missing.stderr).toContain('externalAccess.enabled needs externalAccess.host')

  // the public demo keys of values.yaml: every one refused, in one line naming them, unless demo=true
  const shipped = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as {
    servers: Record<string, { secretEnv?: Record<string, string>, clientSecretEnv?: Record<string, string> }>
    bacalhau: { nodeToken: string }
  }
  const named = Object.keys(shipped.servers)
    .sort()
    .flatMap(server => [
      ...Object.keys(shipped.servers[server]!.secretEnv ?? {})
        .sort()
        .map(key => `servers.${server}.secretEnv.${key}`),
      ...Object.keys(shipped.servers[server]!.clientSecretEnv ?? {})
        .sort()
        .map(key => `servers.${server}.clientSecretEnv.${key}`)
    ])
  const demo = await runCommand(setup.helm, [
    'template', RELEASE, chart, '--set', 'bacalhau.enabled=true', '--set', 'kubo.enabled=true'
  ])
  expectExitCode(demo, 1)
  expect(demo.stderr).toContain(
    `refusing to install with public demo keys (${[...named, 'bacalhau.nodeToken'].join(', ')}): set your own`
  )
  // one line of the chart's (helm adds its own "Use --debug" hint below it)
  expect(demo.stderr.split('\n').filter(line => line.includes('demo keys'))).toHaveLength(1)
  // every key from a Secret of the operator's own (existingSecret): installs, and no demo key is in what it renders
  const ownSecrets = [
    '--set', 'bacalhau.enabled=true', '--set', 'kubo.enabled=true', '--set', 'bacalhau.existingSecret=my-bacalhau'
  ]
  const demoValues = [shipped.bacalhau.nodeToken]
  for (const [server, spec] of Object.entries(shipped.servers)) {
    if (Object.keys(spec.secretEnv ?? {}).length > 0) {
      ownSecrets.push('--set', `servers.${server}.existingSecret=my-${server}`)
    }
    if (Object.keys(spec.clientSecretEnv ?? {}).length > 0) {
      ownSecrets.push('--set', `servers.${server}.clientExistingSecret=my-${server}-clients`)
    }
    demoValues.push(...Object.values(spec.secretEnv ?? {}), ...Object.values(spec.clientSecretEnv ?? {}))
  }
  const own = await helm(['template', RELEASE, chart, ...ownSecrets])
  expect(demoValues.filter(value => own.includes(value))).toEqual([])
  expect(own).toContain('name: my-orbitdb-v4')
  expect(own).toContain('name: my-orbitdb-v4-clients')
  expect(own).toContain('name: my-bacalhau')
}, 180_000)

test('helm install: every server Ready, every client Job ' +
  'completes, and clients reach servers on the other worker', async () => {
  await helm(['install', RELEASE, chart, ...installValues(), '--wait', '--timeout', '5m'])
  await serversReady()
  const jobs = await jobsComplete(1)
  expect(await logsOf(`${RELEASE}-libp2p-v3-client-ws-r1`)).toMatch(/echo: 1048576 bytes sent and returned intact/)
  expect(await logsOf(`${RELEASE}-ipfs-helia-get-r1`)).toMatch(/every block checked against its CID ✓/)
  const added = /server pinned (\S+): \d+ blocks/.exec(await logsOf(`${RELEASE}-ipfs-helia-add-r1`))
  expect(added).not.toBeNull()
  made.heliaCid = added![1]!
  for (const major of ['v2', 'v4']) {
    const entries = 20 * await writerRuns(major, 1)
    made.orbitdbEntries.set(major, entries)
    expect(await logsOf(`${RELEASE}-orbitdb-${major}-writer-reader-r1`, 'reader')).toContain(
      `the server holds all ${entries} entries; this replica has ${entries} documents`
    )
  }
  const demo = await logsOf(`${RELEASE}-bacalhau-demo-r1`)
  expect(demo).toMatch(/✓ matches a local count/)
  made.bacalhauJob = /submitted \S+ as (j-[0-9a-f-]+)/.exec(demo)![1]!
  // real Bacalhau v1.9.3: the same demo, its WASM job run by the compute node, the result published to Kubo
  const real = await logsOf(`${RELEASE}-bacalhau-demo-real-r1`)
  expect(real).toMatch(/✓ matches a local count/)
  made.realBacalhauJob = /submitted \S+ as (j-[0-9a-f-]+)/.exec(real)![1]!
  expect(jobs).toContain(`job.batch/${RELEASE}-kubo-client-r1`)

  // which clients ran on a node other than their server's (they prefer to; the scheduler decides)
  const crossing: string[] = []
  for (const pod of await clientPods()) {
    if (pod.status.phase !== 'Succeeded') continue
    const server = pod.metadata.labels['liftoff.dev/server']!
    if ((await serverPod(server)).spec.nodeName !== pod.spec.nodeName) {
      crossing.push(`${pod.metadata.labels['app.kubernetes.io/component']} → ${server}`)
    }
  }
  console.log(`clients that reached their server on the other worker: ${crossing.join(', ')}`)
  expect(crossing.length).toBeGreaterThanOrEqual(3)
}, 600_000)

/** A pod that meets "restricted" and idles (an example's image, for its node): probes run in it with `kubectl exec`. */
function probePod (name: string, labels: Record<string, string>): string {
  const security = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' }
  }
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' }
      },
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'probe',
          image: 'ipfs-liftoff/libp2p-v3:local',
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
          securityContext: security
        }
      ]
    }
  })
}

test('a pod violating the "restricted" Pod Security level is ' +
  'refused admission in the release\'s namespace', async () => {
  const violating = JSON.parse(probePod('liftoff-violating', {})) as {
    spec: { securityContext: unknown, containers: Array<{ securityContext: unknown }> }
  }
  violating.spec.securityContext = {}
  violating.spec.containers[0]!.securityContext = { allowPrivilegeEscalation: true }
  const refused = await runCommand(
    setup.kubectl,
    ['--kubeconfig', setup.kubeconfig, '-n', NAMESPACE, 'create', '-f', '-'],
    { input: JSON.stringify(violating) }
  )
  expectExitCode(refused, 1)
  expect(refused.stderr).toMatch(
    new RegExp('forbidden: violates PodSecurity "restricted:latest": ' +
      'allowPrivilegeEscalation != false.*runAsNonRoot != true.*seccompProfile')
  )
  expect((await kubectl(['get', 'pods', '-o', 'name'])).split('\n')).not.toContain('pod/liftoff-violating')
}, 60_000)

/**
 * Connects to each "host:port" argument; prints "<target> connected", "<target> <error code>" or "<target> no answer".
 */
const CONNECT_PROBE =
  "const net = require('node:net'); for (const target of process.argv.slice(1)) { const [host, port] = " +
    "target.split(':'); const socket = net.connect(Number(port), host); socket.setTimeout(3000, () => { " +
    "console.log(target + ' no answer'); socket.destroy() }); socket.on('connect', () => { console.log(target + ' " +
    "connected'); socket.destroy() }); socket.on('error', error => console.log(target + ' ' + error.code)) }"

test("NetworkPolicies: Kubo's RPC, the runner's API, NATS and the metrics ports answer only the pods that need them; " +
  'nothing reaches beyond the cluster', async () => {
  const clusterIp = async (service: string): Promise<string> =>
    (await kubectl(['get', 'service', `${RELEASE}-${service}`, '-o', 'jsonpath={.spec.clusterIP}'])).trim()
  const kuboRpc = `${await clusterIp('kubo')}:5001`
  const runnerApi = `${await clusterIp('bacalhau-runner')}:1234`
  const nats = `${await clusterIp('bacalhau-orchestrator')}:4222`
  const libp2p = await clusterIp('libp2p-v3')
  const probes: Array<{
    namespace: string
    name: string
    labels: Record<string, string>
    expected: Record<string, string>
  }> = [
    // a stranger's pod in another namespace: the release's pods refuse it (their ingress rules); the libp2p
    // port open to the world (externalAccess) answers, so the refusals are the policies, not a dead network;
    // an outside address and a ClusterIP port no Service has are refused by the pod network itself
    {
      namespace: STRANGERS,
      name: 'stranger',
      labels: {},
      expected: {
        [kuboRpc]: 'ECONNREFUSED',
        [runnerApi]: 'ECONNREFUSED',
        [nats]: 'ECONNREFUSED',
        [`${libp2p}:9114`]: 'ECONNREFUSED',
        [`${libp2p}:9111`]: 'connected',
        '192.0.2.1:80': 'ECONNREFUSED',
        [`${libp2p}:9`]: 'ECONNREFUSED'
      }
    },
    // in the release's namespace, with the release's label but no client role: nothing out (default deny)
    {
      namespace: NAMESPACE,
      name: 'intruder',
      labels: { 'app.kubernetes.io/instance': RELEASE },
      expected: { [kuboRpc]: 'ECONNREFUSED', [runnerApi]: 'ECONNREFUSED', [`${libp2p}:9111`]: 'ECONNREFUSED' }
    },
    // labelled as Kubo's client: Kubo's RPC, not the runner
    {
      namespace: NAMESPACE,
      name: 'as-kubo-client',
      labels: { 'app.kubernetes.io/instance': RELEASE, 'liftoff.dev/role': 'client', 'liftoff.dev/server': 'kubo' },
      expected: { [kuboRpc]: 'connected', [runnerApi]: 'ECONNREFUSED' }
    },
    // labelled as the runner's client: the runner's API, not Kubo
    {
      namespace: NAMESPACE,
      name: 'as-runner-client',
      labels: {
        'app.kubernetes.io/instance': RELEASE,
        'liftoff.dev/role': 'client',
        'liftoff.dev/server': 'bacalhau-runner'
      },
      expected: { [kuboRpc]: 'ECONNREFUSED', [runnerApi]: 'connected' }
    }
  ]
  const inNamespace = async (namespace: string, args: string[], input?: string): Promise<string> =>
    mustRun(setup.kubectl, ['--kubeconfig', setup.kubeconfig, '-n', namespace, ...args], { input })
  try {
    for (const probe of probes) {
      await inNamespace(probe.namespace, ['create', '-f', '-'], probePod(probe.name, probe.labels))
    }
    for (const probe of probes) {
      await inNamespace(probe.namespace, ['wait', '--for=condition=Ready', `pod/${probe.name}`, '--timeout=120s'])
    }
    for (const probe of probes) {
      const expected = Object.entries(probe.expected).map(([target, outcome]) => `${target} ${outcome}`).sort()
      // kube-router writes a new pod's rules once it sees the pod, seconds after it starts: until then the
      // pod's connections are not what the policies say
      const started = Date.now()
      const seen = await eventually(
        `${probe.namespace}/${probe.name}'s connections as the policies say`,
        async () => {
          const lines = (
            await inNamespace(probe.namespace, [
              'exec',
              probe.name,
              '--',
              'node',
              '-e',
              CONNECT_PROBE,
              ...Object.keys(probe.expected)
            ])
          )
            .trim()
            .split('\n')
            .sort()
          if (JSON.stringify(lines) !== JSON.stringify(expected)) throw new Error(lines.join(', '))
          return lines
        },
        60_000
      )
      console.log(
        `${probe.namespace}/${probe.name} after ${Math.round((Date.now() - started) / 1000)} s: ${seen.join(', ')}`
      )
    }
  } finally {
    for (const probe of probes) {
      await runCommand(setup.kubectl, [
        '--kubeconfig', setup.kubeconfig, '-n', probe.namespace, 'delete', 'pod', probe.name, '--wait=true',
        '--ignore-not-found'
      ])
    }
  }
}, 300_000)

test('a peer outside the cluster dials the libp2p 3 server through ' +
  'its NodePort, at the address the server announces', async () => {
  const ready = /^READY (.*)$/m.exec(await kubectl(['logs', `${RELEASE}-libp2p-v3-0`]))
  const announced = (JSON.parse(ready![1]!) as { multiaddrs: string[] }).multiaddrs
  const outside = `/ip4/${externalHost}/tcp/30111/p2p/${LIBP2P_V3_PEER}`
  expect(announced).toContain(outside)
  expect(announced).toContain(`/ip4/${externalHost}/tcp/30112/ws/p2p/${LIBP2P_V3_PEER}`)
  // this machine is outside the cluster: the example's own client, as a user runs it
  for (const address of [outside, `/ip4/${await nodeAddress(setup.workers[1]!)}/tcp/30112/ws/p2p/${LIBP2P_V3_PEER}`]) {
    const client = startProcess(['node', 'src/client.ts'], {
      cwd: join(repoRoot, 'peers', 'libp2p', 'v3'),
      env: { SERVER_ADDR: address, CLIENT_NAME: 'outside' },
      label: `client → ${address}`
    })
    await expectExit(client, 0)
    expect(client.stdout.join('\n')).toMatch(/echo: 1048576 bytes sent and returned intact/)
  }
}, 150_000)

test('Prometheus in the cluster scrapes every server: each target up, and connection and example counters match the ' +
  "clients' work", async () => {
  const up = await eventually(
    'every target scraped',
    async () => {
      const series = await query('up')
      if (series.length === SERVERS.length && series.every(target => target.value === 1)) return series
      // what Prometheus itself says of each target, for the failure message
      const targets = JSON.parse(await throughProxy('prometheus', 'http', '/api/v1/targets')) as {
        data: { activeTargets: Array<{ labels: { job: string }, health: string, lastError: string }> }
      }
      throw new Error(
        targets.data.activeTargets.map(target => `${target.labels.job} ${target.health} ${target.lastError}`).join('; ')
      )
    },
    120_000
  )
  expect(up.map(target => target.labels.job).sort()).toEqual([...SERVERS].sort())
  const value = async (promql: string): Promise<number> =>
    (await query(promql)).reduce((sum, series) => sum + series.value, 0)
  // libp2p 1: two clients (TCP, WebSockets); libp2p 3: those two and the two from outside. One echo stream
  // and one Noise handshake each, at least (a client Job that retried may have made one more).
  await eventually('the echo counters after the outside clients', async () =>
    (await value('liftoff_echo_streams_total{job="libp2p-v3"}')) >= 4 ? true : undefined
  )
  expect(await value('liftoff_echo_streams_total{job="libp2p-v1"}')).toBeGreaterThanOrEqual(2)
  expect(await value('liftoff_echo_bytes_total{job="libp2p-v3"}')).toBeGreaterThanOrEqual(4 * 1048576)
  for (const job of ['libp2p-v1', 'libp2p-v3', 'ipfs-helia', 'orbitdb-v2', 'orbitdb-v4']) {
    const handshakes = await value(`libp2p_noise_xxhandshake_successes_total{job="${job}"}`)
    expect(handshakes, job).toBeGreaterThanOrEqual(job === 'libp2p-v3' ? 4 : 2)
  }
  expect(await value('liftoff_pin_requests_total{job="ipfs-helia",outcome="ok"}')).toBeGreaterThanOrEqual(1)
  for (const major of ['v2', 'v4']) {
    expect(await value(`liftoff_confirmed_entries{job="orbitdb-${major}"}`)).toBe(made.orbitdbEntries.get(major))
  }
  expect(await value('liftoff_jobs{job="bacalhau-runner",state="Completed"}')).toBeGreaterThanOrEqual(1)
  expect(await value('ipfs_http_requests_total{job="kubo"}')).toBeGreaterThan(0)
  // the same numbers straight from a server, as a scraper of your own would see them
  const text = await throughProxy('orbitdb-v4', 'metrics', '/metrics')
  expect(sampleValue(text, 'liftoff_hosted_databases')).toBe(1)
}, 150_000)

/** The Helia server still serves the directory the add client pinned: its root block, checked against the CID. */
async function expectPinnedDirectory (): Promise<void> {
  const cid = CID.parse(made.heliaCid)
  const block = await runCommand(
    setup.kubectl,
    [
      '--kubeconfig', setup.kubeconfig, 'get', '--raw',
      `/api/v1/namespaces/${NAMESPACE}/services/${RELEASE}-ipfs-helia:gateway/proxy/ipfs/${made.heliaCid}?format=raw`
    ],
    { timeoutMs: 60_000 }
  )
  expectExitCode(block, 0)
  expect(createHash('sha256').update(block.bytes).digest('hex')).toBe(Buffer.from(cid.multihash.digest).toString('hex'))
}

test('server pods deleted on a cordoned worker come back on ' +
  'the other one with their peer IDs and their data', async () => {
  const helia = await serverPod('ipfs-helia')
  const node = helia.spec.nodeName!
  const moving: Array<{ server: string, uid: string }> = []
  for (const server of STATEFUL) {
    const pod = await serverPod(server)
    if (pod.spec.nodeName === node) moving.push({ server, uid: pod.metadata.uid })
  }
  await kubectl(['cordon', node])
  try {
    // (not `delete --wait`: the StatefulSet makes a pod of the same name at once, which that wait can miss)
    await kubectl(['delete', 'pod', '--wait=false', ...moving.map(({ server }) => `${RELEASE}-${server}-0`)])
    for (const { server, uid } of moving) {
      const pod = await eventually(`${server}'s new pod`, async () => {
        const current = await serverPod(server)
        return current.metadata.uid !== uid && current.spec.nodeName !== undefined ? current : undefined
      })
      expect(pod.spec.nodeName, server).not.toBe(node)
      await kubectl(['wait', '--for=condition=Ready', `pod/${pod.metadata.name}`, '--timeout=300s'])
    }
    const ready = JSON.parse(/^READY (.*)$/m.exec(await kubectl(['logs', `${RELEASE}-ipfs-helia-0`]))![1]!) as {
      peerId: string
    }
    expect(ready.peerId).toBe('12D3KooWSnKnCvUcrfe7tmqPGre5Msdt6NPmJoyPH17F26mJc1KE')
    await expectPinnedDirectory()
    // the runner's API asks for its token (the API server's proxy sends none): asked from inside its pod
    const runnerAsk = `fetch('http://127.0.0.1:1234/api/v1/orchestrator/jobs/${made.bacalhauJob}', { headers: { ` +
      'Authorization: \'Bearer \' + process.env.API_TOKEN } }).then(response => response.text()).then(console.log)'
    const job = JSON.parse(await kubectl(['exec', `${RELEASE}-bacalhau-runner-0`, '--', 'node', '-e', runnerAsk])) as {
      Job: { ID: string, State: { StateType: string } }
    }
    expect(job.Job.ID).toBe(made.bacalhauJob)
    expect(job.Job.State.StateType).toBe('Completed')
    const realJob = JSON.parse(
      await throughProxy('bacalhau-orchestrator', 'api', `/api/v1/orchestrator/jobs/${made.realBacalhauJob}`)
    ) as typeof job
    expect(realJob.Job.State.StateType).toBe('Completed')
  } finally {
    await kubectl(['uncordon', node])
  }
  console.log(`moved off ${node}: ${moving.map(({ server }) => server).join(', ')}`)
}, 400_000)

test('helm upgrade with a changed value rolls every server, keeps their data, and runs the clients again', async () => {
  const before = new Map<string, string>()
  for (const server of SERVERS) before.set(server, (await serverPod(server)).metadata.uid)
  await helm([
    'upgrade', RELEASE, chart, '--reuse-values', '--set', 'resources.limits.memory=800Mi', '--wait', '--timeout', '5m'
  ])
  await serversReady()
  for (const server of SERVERS.filter(name => name !== 'kubo')) {
    // Kubo's and Bacalhau's resources are values of their own
    expect((await serverPod(server)).metadata.uid, server).not.toBe(before.get(server))
  }
  await jobsComplete(2)
  for (const major of ['v2', 'v4']) {
    // 20 entries from each writer of both revisions: the server kept revision 1's through the moves
    const entries = made.orbitdbEntries.get(major)! + 20 * await writerRuns(major, 2)
    expect(await logsOf(`${RELEASE}-orbitdb-${major}-writer-reader-r2`, 'reader')).toContain(
      `the server holds all ${entries} entries; this replica has ${entries} documents`
    )
  }
  await expectPinnedDirectory()
}, 600_000)

test('a worker stopped: once it is declared out of service its server ' +
  'pods run on the other worker, and a client then succeeds', async () => {
  const victim = (await serverPod('libp2p-v3')).spec.nodeName!
  const survivor = setup.workers.find(worker => worker !== victim)!
  await mustRun('docker', ['kill', victim])
  // no kubelet posts the node's status any more: Ready turns Unknown
  await kubectl(['wait', '--for=condition=Ready=Unknown', `node/${victim}`, '--timeout=120s'])
  // A StatefulSet's pod on a node that stopped answering stays until Kubernetes knows the node is down, so two
  // copies of one peer never run at once; this taint is how an operator says so (non-graceful node shutdown).
  await kubectl(['taint', 'node', victim, 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute'])
  await serversReady()
  for (const server of STATEFUL) expect((await serverPod(server)).spec.nodeName, server).toBe(survivor)
  // the libp2p 3 TCP client once more: revision 2's Job, under a new name (the controller's labels dropped)
  const template = await json<{
    spec: { template: { metadata: { labels: Record<string, string> } } } & Record<string, unknown>
  }>(['get', `job/${RELEASE}-libp2p-v3-client-tcp-r2`])
  const labels = Object.fromEntries(
    Object.entries(template.spec.template.metadata.labels).filter(([key]) => !/controller-uid|job-name/.test(key))
  )
  const again = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'libp2p-v3-after-fault' },
    spec: { ...template.spec, selector: undefined, template: { ...template.spec.template, metadata: { labels } } }
  }
  await kubectl(['create', '-f', '-'], JSON.stringify(again))
  await kubectl(['wait', '--for=condition=complete', '--timeout=180s', 'job/libp2p-v3-after-fault'])
  expect(await logsOf('libp2p-v3-after-fault')).toMatch(/echo: 1048576 bytes sent and returned intact/)
  await kubectl(['delete', 'job', 'libp2p-v3-after-fault', '--wait=true'])
}, 400_000)

test('helm uninstall leaves only the PersistentVolumeClaims ' +
  'the chart documents (data-<release>-<server>-0)', async () => {
  await helm(['uninstall', RELEASE, '--wait', '--timeout', '3m'])
  await eventually(
    'every pod of the release gone',
    async () => ((await kubectl(['get', 'pods', '-o', 'name'])).trim() === '' ? true : undefined),
    120_000
  )
  const left = (
    await kubectl([
      'get', 'all,configmap,secret,service,job,statefulset,deployment,persistentvolumeclaim', '-l',
      `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name'
    ])
  )
    .trim()
    .split('\n')
    .filter(Boolean)
  expect(left.sort()).toEqual(STATEFUL.map(server => `persistentvolumeclaim/data-${RELEASE}-${server}-0`).sort())
}, 300_000)
