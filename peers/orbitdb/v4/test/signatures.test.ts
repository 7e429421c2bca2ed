// Native (OpenSSL) signatures agree with @libp2p/crypto's (@noble/curves) both ways, on the same bytes: what
// one makes the other accepts, what one refuses (other data, another key, a high-S twin) the other refuses.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { fromString, toString } from 'uint8arrays'
import { expect, test } from 'vitest'
import { nativeSigner, verifyNative } from '../src/tuned/signatures.ts'

test('native and JavaScript secp256k1 signatures accept and refuse the same signatures', async () => {
  const key = await generateKeyPair('secp256k1')
  const other = await generateKeyPair('secp256k1')
  const publicKey = toString(key.publicKey.raw, 'base16')
  const signNative = nativeSigner(key.raw)
  for (let round = 0; round < 50; round++) {
    const data = fromString(`entry ${round} ${'x'.repeat(round * 7)}`)
    const javascript = await key.sign(data)
    const native = fromString(await signNative(undefined, data), 'base16')
    expect(await verifyNative(toString(javascript, 'base16'), publicKey, data)).toBe(true)
    expect(await key.publicKey.verify(data, native)).toBe(true)
    expect(secp256k1.Signature.fromBytes(native, 'der').hasHighS()).toBe(false)

    // found valid once, so remembered: the same signature over other data is still refused
    expect(await verifyNative(toString(native, 'base16'), publicKey, data)).toBe(true)
    expect(await verifyNative(toString(native, 'base16'), publicKey, fromString(`entry ${round}?`))).toBe(false)
    expect(await verifyNative(toString(native, 'base16'), toString(other.publicKey.raw, 'base16'), data)).toBe(false)
    // the same signature with s replaced by n - s is valid ECDSA, and refused by both, as noble refuses it
    const parsed = secp256k1.Signature.fromBytes(native, 'der')
    const highS = new secp256k1.Signature(parsed.r, secp256k1.Point.Fn.neg(parsed.s)).toBytes('der')
    expect(await key.publicKey.verify(data, highS)).toBe(false)
    expect(await verifyNative(toString(highS, 'base16'), publicKey, data)).toBe(false)
  }
  expect(await verifyNative('not hex', publicKey, fromString('x'))).toBe(false)
  expect(await verifyNative(toString(await key.sign(fromString('x')), 'base16'), '02ff', fromString('x'))).toBe(false)
})
