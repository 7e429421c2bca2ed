// OrbitDB signs and checks every log entry with secp256k1 (ECDSA over SHA-256, DER signatures, as libp2p's
// keys do). @libp2p/crypto does it in pure JavaScript (@noble/curves): about 1.3 ms to verify and 0.7 ms
// to sign here, the largest cost of a put and of a replica's join. Node's OpenSSL does the same maths
// natively; this swaps it in for one OrbitDB identity (Node only: browsers have no secp256k1 in WebCrypto).
// Same inputs, same answers: signatures are made low-S as noble makes them, and a high-S signature is
// refused as noble refuses it, so peers on either implementation accept exactly the same entries.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { fromString, toString } from 'uint8arrays'
import type { OrbitDB } from '@orbitdb/core'

const bytesOf = (data: Uint8Array | string): Uint8Array => typeof data === 'string' ? fromString(data) : data
const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** A compressed public key (hex) as an OpenSSL key object, through JWK: the point's x and y, decompressed by noble. */
function publicKeyObject (publicKeyHex: string): KeyObject {
  const point = secp256k1.Point.fromHex(publicKeyHex).toBytes(false)
  return createPublicKey({ key: { kty: 'EC', crv: 'secp256k1', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) }, format: 'jwk' })
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
export async function verifyNative (signatureHex: string, publicKeyHex: string, data: Uint8Array | string): Promise<boolean> {
  const bytes = bytesOf(data)
  const remembered = verified.get(`${publicKeyHex}/${signatureHex}`)
  if (remembered !== undefined && Buffer.from(remembered).equals(bytes)) return true
  try {
    const signature = fromString(signatureHex, 'base16')
    if (secp256k1.Signature.fromBytes(signature, 'der').hasHighS()) return false
    // with a callback, OpenSSL's work runs on libuv's thread pool: many checks at once use every core
    const valid = await new Promise<boolean>((resolve, reject) => verify('sha256', bytes, { key: publicKeyOf(publicKeyHex), dsaEncoding: 'der' }, signature, (err, result) => err === null ? resolve(result) : reject(err)))
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
export function nativeSigner (privateKey: Uint8Array): (identity: unknown, data: Uint8Array | string) => Promise<string> {
  const publicPoint = secp256k1.getPublicKey(privateKey, false)
  const key = createPrivateKey({
    key: { kty: 'EC', crv: 'secp256k1', d: base64url(privateKey), x: base64url(publicPoint.subarray(1, 33)), y: base64url(publicPoint.subarray(33)) },
    format: 'jwk'
  })
  return async (_identity, data) => {
    const signature = secp256k1.Signature.fromBytes(sign('sha256', bytesOf(data), { key, dsaEncoding: 'der' }), 'der')
    const lowS = signature.hasHighS() ? new secp256k1.Signature(signature.r, secp256k1.Point.Fn.neg(signature.s)) : signature
    return toString(lowS.toBytes('der'), 'base16')
  }
}

// #region native
/** This peer's entries are signed, and every entry its logs join is checked, by OpenSSL instead of JavaScript. */
export async function useNativeSignatures (orbitdb: OrbitDB): Promise<OrbitDB> {
  const signingKey = await orbitdb.keystore.getKey(orbitdb.identity.id)
  const raw = signingKey?.marshal?.()
  if (raw === undefined) throw new Error(`the keystore has no signing key for identity ${orbitdb.identity.id}`)
  orbitdb.identity.sign = nativeSigner(raw)
  orbitdb.identity.verify = verifyNative
  return orbitdb
}
// #endregion
