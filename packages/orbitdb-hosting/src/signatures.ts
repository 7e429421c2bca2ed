// Speed-up, Node.js only: OrbitDB's entries signed and checked by Node's OpenSSL instead of @libp2p/crypto. What it
// changes: an identity signs, and every entry its logs join is verified, natively; valid signatures are
// remembered, so a server that checks pushed entries at once (on libuv's threads) finds the answers again in the
// join. Upstream: OrbitDB signs and checks every log entry with secp256k1 in pure JavaScript (@noble/curves,
// ~1.3 ms to verify, ~0.7 ms to sign), the largest cost of a put and a join. Same answers: low-S signatures made,
// high-S refused, as noble does. Each example's src/tuned/signatures.ts turns it on and says what it measured.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { fromString, toString } from 'uint8arrays'
import type { Identity } from './orbitdb.ts'

const bytesOf = (data: Uint8Array | string): Uint8Array => typeof data === 'string' ? fromString(data) : data
const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** A compressed public key (hex) as an OpenSSL key object, through JWK: the point's x and y from noble. */
function publicKeyObject (publicKeyHex: string): KeyObject {
  const point = secp256k1.Point.fromHex(publicKeyHex).toBytes(false)
  const jwk = { kty: 'EC', crv: 'secp256k1', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) }
  return createPublicKey({ key: jwk, format: 'jwk' })
}

const publicKeys = new Map<string, KeyObject>()
const MAX_CACHED_KEYS = 10_000

function publicKeyOf (publicKeyHex: string): KeyObject {
  let key = publicKeys.get(publicKeyHex)
  if (key === undefined) {
    key = publicKeyObject(publicKeyHex)
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear()
    publicKeys.set(publicKeyHex, key)
  }
  return key
}

/**
 * Signatures found valid lately, with the bytes each signed: a server checks pushed entries as they arrive,
 * all at once on libuv's threads, and the join that follows (one entry after another) finds its answers here.
 */
const verified = new Map<string, Uint8Array>()
const MAX_REMEMBERED = 20_000

/** Verifies as @libp2p/crypto's secp256k1 key does, natively: DER signature over SHA-256, low-S only. */
export async function verifyNative (
  signatureHex: string, publicKeyHex: string, data: Uint8Array | string
): Promise<boolean> {
  const bytes = bytesOf(data)
  const remembered = verified.get(`${publicKeyHex}/${signatureHex}`)
  if (remembered !== undefined && Buffer.from(remembered).equals(bytes)) return true
  try {
    const signature = fromString(signatureHex, 'base16')
    if (secp256k1.Signature.fromBytes(signature, 'der').hasHighS()) return false
    // with a callback, OpenSSL's work runs on libuv's thread pool: many checks at once use every core
    const key = { key: publicKeyOf(publicKeyHex), dsaEncoding: 'der' as const }
    const valid = await new Promise<boolean>((resolve, reject) => {
      verify('sha256', bytes, key, signature, (err, result) => err === null ? resolve(result) : reject(err))
    })
    if (valid) {
      const oldest = verified.size >= MAX_REMEMBERED ? verified.keys().next().value : undefined
      if (oldest !== undefined) verified.delete(oldest)
      verified.set(`${publicKeyHex}/${signatureHex}`, bytes)
    }
    return valid
  } catch {
    return false // a malformed key or signature verifies nothing
  }
}

/** Signs with the raw secp256k1 private key natively, low-S, DER, hex: what OrbitDB's keystore signing returns. */
type Signer = (identity: unknown, data: Uint8Array | string) => Promise<string>

export function nativeSigner (privateKey: Uint8Array): Signer {
  const publicPoint = secp256k1.getPublicKey(privateKey, false)
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'secp256k1',
      d: base64url(privateKey),
      x: base64url(publicPoint.subarray(1, 33)),
      y: base64url(publicPoint.subarray(33))
    },
    format: 'jwk'
  })
  return async (_identity, data) => {
    const signature = secp256k1.Signature.fromBytes(sign('sha256', bytesOf(data), { key, dsaEncoding: 'der' }), 'der')
    const lowS = signature.hasHighS()
      ? new secp256k1.Signature(signature.r, secp256k1.Point.Fn.neg(signature.s))
      : signature
    return toString(lowS.toBytes('der'), 'base16')
  }
}

/**
 * `orbitdb`'s entries signed, and every entry its logs join checked, by OpenSSL instead of JavaScript; `raw` is
 * its identity's secp256k1 private key (each major's keystore hands it over its own way).
 */
export function nativeSignatures<O extends { identity: Identity }> (orbitdb: O, raw: Uint8Array | undefined): O {
  if (raw === undefined) throw new Error(`the keystore has no signing key for identity ${orbitdb.identity.id}`)
  orbitdb.identity.sign = nativeSigner(raw)
  orbitdb.identity.verify = verifyNative
  return orbitdb
}
