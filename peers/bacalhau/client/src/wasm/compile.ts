// Compiles the example's WebAssembly text programs with wabt (from the npm registry), so the repo holds
// their source, not binaries. `node src/wasm/compile.ts` writes wordcount.wasm next to this file.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import wabt from 'wabt'

export async function compileWat (
  source: string, name = 'module.wat', options: { nameSection?: boolean } = {}
): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(name, source, { bulk_memory: true })
  try {
    module.validate()
    // Bacalhau's wasm engine reads the module's "name" custom section (for its tracing) and refuses a
    // module without one: "Name section not found". wabt writes it only when asked.
    return module.toBinary({ write_debug_names: options.nameSection ?? true }).buffer
  } finally {
    module.destroy()
  }
}

/** The word-count job's WASM module, compiled from src/wasm/wordcount.wat. */
export async function wordcountModule (): Promise<Uint8Array> {
  return compileWat(await readFile(join(import.meta.dirname, 'wordcount.wat'), 'utf8'), 'wordcount.wat')
}

if (import.meta.main) {
  const target = join(import.meta.dirname, 'wordcount.wasm')
  const bytes = await wordcountModule()
  await writeFile(target, bytes)
  console.log(`wrote ${target} (${bytes.byteLength} bytes)`)
}
