// The hash functions a CID may name besides the sha2-256 and identity of Helia's light node: those Kubo's
// `ipfs add --hash` offers for content (SHA-2 512, SHA-3, Keccak, BLAKE2b and BLAKE2s of 160 bits or more, BLAKE3), so
// what Kubo made with any of them is fetched and each block checked here. A CID with another hash fails
// with one line naming it.
import * as blake2b from '@multiformats/blake2/blake2b'
import * as blake2s from '@multiformats/blake2/blake2s'
import { keccak224, keccak256, keccak384, keccak512, sha3224, sha3256, sha3384, sha3512 } from '@multiformats/sha3'
import { blake3 as blake3Hash } from '@noble/hashes/blake3.js'
import { from } from 'multiformats/hashes/hasher'
import { sha512 } from 'multiformats/hashes/sha2'
import type { MultihashHasher } from 'multiformats'

/** BLAKE3 with its default 256-bit output, as Kubo hashes with it (multihash 0x1e). */
const blake3 = from({ name: 'blake3', code: 0x1e, encode: (bytes: Uint8Array) => blake3Hash(bytes) })

/** Digests under 160 bits are too weak to address content (Kubo refuses them too). */
const strong = (hashers: Record<string, MultihashHasher>): MultihashHasher[] => Object.entries(hashers)
  .filter(([name]) => Number(/\d+$/.exec(name)?.[0]) >= 160)
  .map(([, hasher]) => hasher)

export const EXTRA_HASHERS: MultihashHasher[] = [
  sha512, sha3224, sha3256, sha3384, sha3512, keccak224, keccak256, keccak384, keccak512,
  ...strong(blake2b), ...strong(blake2s), blake3
]
