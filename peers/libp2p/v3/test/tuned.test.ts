// The tuned Noise cipher (src/tuned/noise-crypto.ts) against Noise's pure-JS one (@noble, another implementation):
// the same bytes sealed, each opens what the other sealed, tampering refused; and a stock libp2p node
// (Noise's and Yamux's defaults) exchanging 4 MiB with the example's server tuned as TUNED=1 tunes it.
import { randomBytes } from 'node:crypto'
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, test } from 'vitest'
import { onCleanup } from '../../../../scripts/testing/cleanup.ts'
import { echo } from '../src/echo.ts'
import { noiseCrypto, tunedNoise } from '../src/tuned/noise-crypto.ts'
import { yamuxTuning } from '../src/tuned/yamux.ts'
import { readClientConfig, readServerConfig } from '../src/run/config.ts'
import { startTestServer } from './fixtures.ts'

const bytesOf = (sealed: Uint8Array | Uint8ArrayList): Uint8Array =>
  sealed instanceof Uint8Array ? sealed : sealed.subarray()
const halves = (bytes: Uint8Array): Uint8ArrayList =>
  new Uint8ArrayList(bytes.subarray(0, bytes.byteLength >> 1), bytes.subarray(bytes.byteLength >> 1))

describe('Noise cipher with a prepared key', () => {
  const key = randomBytes(32)
  const ad = randomBytes(32)
  // both sides of the 1,200-byte switch to the default's WebAssembly cipher, and Noise's largest message
  for (const size of [0, 1199, 1200, 65_519]) {
    for (const form of ['one array', 'a list of chunks'] as const) {
      test(`${size} bytes as ${form}: the same ciphertext as @noble's, and each opens the other's`, () => {
        const plaintext = randomBytes(size)
        const input = form === 'one array' ? plaintext : halves(plaintext)
        for (let message = 0; message < 3; message++) {
          const nonce = Buffer.alloc(12)
          nonce.writeUInt32LE(message, 4)
          const ours = bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(input, nonce, ad, key))
          const theirs = bytesOf(pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key))
          expect(Buffer.compare(ours, theirs)).toBe(0)
          const sealed = form === 'one array' ? theirs : halves(theirs)
          const opened = bytesOf(noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, key))
          expect(Buffer.compare(opened, plaintext)).toBe(0)
          expect(Buffer.compare(bytesOf(pureJsCrypto.chaCha20Poly1305Decrypt(ours, nonce, ad, key)), plaintext)).toBe(0)
        }
      })
    }
  }

  test('a changed byte, another key or another nonce is refused', () => {
    const nonce = Buffer.alloc(12)
    const sealed = Buffer.from(bytesOf(noiseCrypto.chaCha20Poly1305Encrypt(randomBytes(4096), nonce, ad, key)))
    const tampered = Buffer.from(sealed)
    tampered[100] = tampered[100]! ^ 1
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce, ad, key)).toThrow()
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, randomBytes(32))).toThrow()
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, Buffer.alloc(12, 1), ad, key)).toThrow()
  })

  test('a stock libp2p node (Noise\'s and Yamux\'s defaults) exchanges 4 MiB with the tuned server', async () => {
    const server = await startTestServer({ noise: tunedNoise, yamux: yamuxTuning })
    const stock = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    onCleanup('stock node stop()', () => stock.stop())
    const payload = randomBytes(4 * 1024 * 1024)
    const returned = await echo(stock, multiaddr(server.tcpAddress), payload)
    expect(Buffer.compare(returned, payload)).toBe(0)
  })
})

test('TUNED=1 turns the tuned cipher and Yamux on for both roles; unset, the libraries\' own', () => {
  expect(readServerConfig({})).toMatchObject({ noise: undefined, yamux: undefined })
  expect(readClientConfig({})).toMatchObject({ noise: undefined, yamux: undefined })
  expect(readServerConfig({ TUNED: '1' })).toMatchObject({ noise: tunedNoise, yamux: yamuxTuning })
  expect(readClientConfig({ TUNED: 'true' })).toMatchObject({ noise: tunedNoise, yamux: yamuxTuning })
  expect(() => readServerConfig({ TUNED: 'fast' })).toThrow('TUNED must be true or false, got "fast"')
})
