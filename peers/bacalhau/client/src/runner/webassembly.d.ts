// The part of the WebAssembly JS API the runner uses. TypeScript declares it only in its DOM library,
// which would bring browser globals that clash with Node's; @types/node does not declare it.
declare namespace WebAssembly {
  type Imports = Record<string, Record<string, unknown>>
  class Module {
    constructor (bytes: Uint8Array)
    static customSections (module: Module, name: string): ArrayBuffer[]
  }
  class Instance {
    constructor (module: Module, imports?: Imports)
    readonly exports: Record<string, unknown>
  }
  class Memory {
    readonly buffer: ArrayBuffer
  }
  class RuntimeError extends Error {}
}
