// TUNED=1 (src/run/config.ts): the speed-ups in src/tuned/, handed to the roles as options. Off, every role
// runs on the libraries' defaults.
import { tunedBitswap } from '../tuned/bitswap.ts'
import { useNativeSignatures } from '../tuned/signatures.ts'
import type { OrbitDB } from '@orbitdb/core'
import type { NodeOptions } from '../node.ts'

export interface Tuning {
  bitswap?: NodeOptions['bitswap']
  tune?: (orbitdb: OrbitDB) => Promise<unknown>
}

export function tuning (tuned: boolean): Tuning {
  return tuned ? { bitswap: tunedBitswap, tune: useNativeSignatures } : {}
}
