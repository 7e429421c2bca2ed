// Headless Debian Chromium as the browser tier, the docker tier and the browser benchmarks start it:
// CHROMIUM_PATH or /usr/bin/chromium (no test tool downloads a browser here), the flags that keep it off
// the network, and a fresh profile directory each launch.
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run'
]

export function chromiumPath (): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(
      `no Chromium at ${path}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`
    )
  }
  return path
}

/**
 * Headless Chromium on a fresh profile directory; `close` also removes the profile. With `namespace`, it runs
 * inside that network namespace (`ip netns exec`, through a wrapper script in the profile directory).
 */
export async function launchChromium (
  extraFlags: string[] = [],
  options: { namespace?: string } = {}
): Promise<{ context: BrowserContext, close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'liftoff-chromium-'))
  let executablePath = chromiumPath()
  if (options.namespace !== undefined) {
    const wrapper = join(profile, 'chromium-in-namespace')
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${options.namespace} ${executablePath} "$@"\n`, {
      mode: 0o755
    })
    executablePath = wrapper
  }
  const context = await chromium.launchPersistentContext(join(profile, 'profile'), {
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraFlags]
  })
  return {
    context,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}
