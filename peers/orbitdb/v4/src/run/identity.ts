// A stable identity: the peer ID is derived from a private key that is kept between runs.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** A new Ed25519 key, as the base64 protobuf text that `PRIVATE_KEY` and key files hold (Kubo's format). */
export async function generatePrivateKey (): Promise<string> {
  return Buffer.from(privateKeyToProtobuf(await generateKeyPair('Ed25519'))).toString('base64')
}

export function decodePrivateKey (base64Key: string): PrivateKey {
  try {
    return privateKeyFromProtobuf(Buffer.from(base64Key.trim(), 'base64'))
  } catch (err) {
    throw new Error(`not a base64 libp2p private key (${(err as Error).message})`)
  }
}

export function peerIdOf (base64Key: string): PeerId {
  return peerIdFromPrivateKey(decodePrivateKey(base64Key))
}

/** Loads the key in `keyFile`, creating it (mode 0600) on first use. */
export async function loadOrCreatePrivateKey (keyFile: string): Promise<PrivateKey> {
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
  return decodePrivateKey(base64Key)
}
