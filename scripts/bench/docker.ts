// The compose network's images and servers on a real Docker engine: each example image's size, its cold
// build (no cache) and warm build (cache, nothing changed), and the time from `docker compose up` to
// healthy for each server of the default network, on a fresh volume. Needs a running engine (the docker
// tier brings one: scripts/docker/tier.ts).
import { compose, defaultNetwork, docker } from '../testing/docker.ts'
import { readComposeFile } from '../testing/compose.ts'
import { round, type BenchResult, type Scale } from './measure.ts'

const PROJECT_ARGS = ['--profile', 'kubo', '--profile', 'bacalhau']

export async function benchDocker (scale: Scale): Promise<BenchResult[]> {
  const file = readComposeFile()
  // one service per image built from docker/Dockerfile
  const builders = new Map<string, string>()
  for (const [name, service] of Object.entries(file.services)) {
    const example = service.build?.args?.EXAMPLE
    if (example !== undefined && !builders.has(example)) builders.set(example, name)
  }
  const examples = [...builders.entries()].slice(0, scale === 'full' ? undefined : 1)
  const { servers } = defaultNetwork()
  const measured = scale === 'full' ? servers : servers.filter(server => server === builders.get(examples[0]![0]))
  const results: BenchResult[] = []
  await compose([...PROJECT_ARGS, 'down', '--volumes', '--remove-orphans'])
  try {
    for (const [example, service] of examples) {
      const cold = await compose(['build', '--no-cache', service], 900_000)
      const warm = await compose(['build', service], 900_000)
      const image = file.services[service]!.image!
      const size = Number((await docker(['image', 'inspect', '--format', '{{.Size}}', image])).stdout.trim())
      results.push(
        {
          bench: 'docker',
          case: `${example} image size`,
          value: round(size / 1024 / 1024, 1),
          unit: 'MiB',
          detail: { image }
        },
        {
          bench: 'docker',
          case: `${example} image build, cold (no cache)`,
          value: round(cold.ms / 1000, 1),
          unit: 's'
        },
        { bench: 'docker', case: `${example} image build, warm (cached)`, value: round(warm.ms / 1000, 1), unit: 's' }
      )
    }
    for (const server of measured) {
      const up = await compose(['up', '--detach', '--wait', '--no-deps', server], 300_000)
      results.push({
        bench: 'docker',
        case: `${server}: docker compose up → healthy (fresh volume)`,
        value: round(up.ms / 1000, 2),
        unit: 's'
      })
    }
  } finally {
    await compose([...PROJECT_ARGS, 'down', '--volumes', '--remove-orphans'])
  }
  return results
}
