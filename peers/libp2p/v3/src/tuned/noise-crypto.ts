// TUNED (opt-in: TUNED=1, read in src/run/config.ts): Noise's cipher with each session's key prepared once.
//
// What it changes: Noise's ChaCha20-Poly1305 still runs in Node's OpenSSL, as @chainsafe/libp2p-noise does by
// default, but each session's key becomes a Node KeyObject once instead of at every message.
// The upstream behaviour it answers: @chainsafe/libp2p-noise 17's `nodeCrypto` hands `createCipheriv` the raw key
// bytes for every message (up to 64 KiB each), so OpenSSL prepares the key again each time (`getKeyObjectSlots`:
// 7-12 % of each side in the two-process profiles). Upstream, the same change belongs in `nodeCrypto`.
// Measured effect (BENCHMARKS.md, scripts/bench/NOTES.md): one core's cipher 1,085 → 1,384 MiB/s; one TCP stream,
// peers in separate processes, about 250 → 300 MiB/s; WebSockets about 158 → 170 (there `ws` costs more).
// `pnpm bench libp2p-v3` shows the default and the tuned rows side by side.
// The wire is unchanged: every Noise peer talks to this one (test/tuned.test.ts checks it against @noble's).
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import type { ICryptoInterface, NoiseInit } from '@chainsafe/libp2p-noise'
import { Uint8ArrayList } from 'uint8arraylist'

const CIPHER = 'chacha20-poly1305'
const TAG_BYTES = 16
/** Below this the default's WebAssembly cipher is the faster one (its own measurement): it keeps those. */
const SMALL_MESSAGE = 1200

// A session's key is one array for the session's life (Noise's CipherState keeps it, never changes it).
const sessionKeys = new WeakMap<Uint8Array, KeyObject>()

function keyObject (k: Uint8Array): KeyObject {
  let key = sessionKeys.get(k)
  if (key === undefined) {
    key = createSecretKey(k)
    sessionKeys.set(k, key)
  }
  return key
}

export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < SMALL_MESSAGE) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    const cipher = createCipheriv(CIPHER, keyObject(k), nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
    if (plaintext instanceof Uint8Array) {
      const sealed = cipher.update(plaintext)
      const final = cipher.final()
      return Buffer.concat([sealed, final, cipher.getAuthTag()])
    }
    // a list stays a list (no copy into one array), as the default does
    const sealed = new Uint8ArrayList()
    for (const chunk of plaintext) sealed.append(cipher.update(chunk))
    sealed.append(cipher.final(), cipher.getAuthTag())
    return sealed
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < SMALL_MESSAGE) {
      return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    }
    const textBytes = ciphertext.byteLength - TAG_BYTES
    const decipher = createDecipheriv(CIPHER, keyObject(k), nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(ad, { plaintextLength: textBytes })
    decipher.setAuthTag(ciphertext.subarray(textBytes))
    if (ciphertext instanceof Uint8Array) {
      const opened = decipher.update(ciphertext.subarray(0, textBytes))
      const final = decipher.final()
      return final.byteLength === 0 ? opened : Buffer.concat([opened, final])
    }
    const opened = new Uint8ArrayList()
    for (const chunk of ciphertext.sublist(0, textBytes)) opened.append(decipher.update(chunk))
    opened.append(decipher.final())
    return opened
  }
}

/** What `createNode` takes as `noise` when tuned: the library's Noise with this cipher. */
export const tunedNoise: NoiseInit = { crypto: noiseCrypto }
