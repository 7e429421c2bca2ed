// The example image as docker/Dockerfile makes it: its code is root's and read-only to the `node` user that runs
// the server, so a server tricked into writing a file cannot replace its own code; /data stays writable. Run
// without compose's read_only root, so the image's own ownership and modes are what is tested.
import { expect, test } from 'vitest'
import { compose, docker } from '../testing/docker.ts'

test('the Bacalhau runner image: the node user cannot write its code, and can write /data', async () => {
  await compose(['build', 'bacalhau-runner'], 900_000)
  const image = 'ipfs-liftoff/bacalhau-client:local'
  const write = await docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', 'id -un; touch /app/src/server.ts'])
  expect({ code: write.code, stdout: write.stdout.trim() }, write.stderr).toEqual({ code: 1, stdout: 'node' })
  expect(write.stderr).toMatch(/Permission denied/)
  const probe = 'echo x > /data/probe && cat /data/probe'
  const data = await docker(['run', '--rm', '--entrypoint', 'sh', image, '-c', probe])
  expect({ code: data.code, stdout: data.stdout.trim() }, data.stderr).toEqual({ code: 0, stdout: 'x' })
}, 900_000)
