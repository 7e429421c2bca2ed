// A stable identity: the libp2p private key is kept in a file (mode 0600) or given as PRIVATE_KEY, so the
// peer ID survives restarts. Both hold the key as base64 protobuf, the format Kubo's config uses.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export function decodePrivateKey (base64Key: string): PrivateKey {
  try {
    return privateKeyFromProtobuf(Buffer.from(base64Key.trim(), 'base64'))
  } catch (err) {
    throw new Error(`not a base64 libp2p private key (${(err as Error).message})`)
  }
}

export async function loadOrCreatePrivateKey (keyFile: string): Promise<PrivateKey> {
  try {
    const text = await readFile(keyFile, 'utf8')
    if (((await stat(keyFile)).mode & 0o077) !== 0) await chmod(keyFile, 0o600)
    return decodePrivateKey(text)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const privateKey = await generateKeyPair('Ed25519')
  await mkdir(dirname(keyFile), { recursive: true })
  const text = Buffer.from(privateKeyToProtobuf(privateKey)).toString('base64') + '\n'
  await writeFile(keyFile, text, { mode: 0o600, flag: 'wx' })
  return privateKey
}
