// Speed-up (TUNED=1): OrbitDB's entries signed and checked by Node's OpenSSL instead of @libp2p/crypto.
// What it changes: this peer's identity signs, and every entry its logs join is verified, natively; valid
// signatures are remembered, so a server that checks pushed entries at once (on libuv's threads) finds the
// answers again in the join. Upstream: OrbitDB signs and checks every log entry with secp256k1 in pure
// JavaScript (@noble/curves, ~1.3 ms to verify, ~0.7 ms to sign here), the largest cost of a put and a join.
// Measured (scripts/bench/NOTES.md): puts 352 → 458 writes/s; a second peer holds 1,000 entries in 2.13 s
// instead of 4.25 s; the load case's host 1,077 documents/s. Same answers: low-S signatures made, high-S
// refused, as noble does (test/signatures.test.ts). Node only: browsers have no secp256k1 in WebCrypto.
// The code: signatures.ts of @ipfs-liftoff/orbitdb-hosting, for both majors; the key's bytes are
// `.raw` of @libp2p/crypto 5.
import { nativeSignatures } from '@ipfs-liftoff/orbitdb-hosting/signatures'
import type { OrbitDB } from '@orbitdb/core'

export { nativeSigner, verifyNative } from '@ipfs-liftoff/orbitdb-hosting/signatures'

// #region native
/** This peer's entries are signed, and every entry its logs join is checked, by OpenSSL instead of JavaScript. */
export async function useNativeSignatures (orbitdb: OrbitDB): Promise<OrbitDB> {
  const signingKey = await orbitdb.keystore.getKey(orbitdb.identity.id)
  return nativeSignatures(orbitdb, signingKey?.raw)
}
// #endregion
