// A stable identity: the peer ID is derived from a private key that is kept between runs.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, marshalPrivateKey, marshalPublicKey, unmarshalPrivateKey } from '@libp2p/crypto/keys'
import { peerIdFromKeys } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'

/** A new Ed25519 key, as the base64 protobuf text that `PRIVATE_KEY` and key files hold (Kubo's format). */
export async function generatePrivateKey (): Promise<string> {
  const privateKey = await generateKeyPair('Ed25519')
  return Buffer.from(marshalPrivateKey(privateKey)).toString('base64')
}

export async function peerIdFromPrivateKey (base64Key: string): Promise<PeerId> {
  const keyBytes = Buffer.from(base64Key.trim(), 'base64')
  const privateKey = await unmarshalPrivateKey(keyBytes).catch((err: Error) => {
    throw new Error(`not a base64 libp2p private key (${err.message})`)
  })
  return peerIdFromKeys(marshalPublicKey(privateKey.public), marshalPrivateKey(privateKey))
}

/** Loads the key in `keyFile`, creating it (mode 0600) on first use. */
export async function loadOrCreatePeerId (keyFile: string): Promise<PeerId> {
  let base64Key: string
  try {
    base64Key = await readFile(keyFile, 'utf8')
    if (((await stat(keyFile)).mode & 0o077) !== 0) await chmod(keyFile, 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    base64Key = await generatePrivateKey()
    await mkdir(dirname(keyFile), { recursive: true })
    await writeFile(keyFile, base64Key + '\n', { mode: 0o600, flag: 'wx' })
  }
  return peerIdFromPrivateKey(base64Key)
}
