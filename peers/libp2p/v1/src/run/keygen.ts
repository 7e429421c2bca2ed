// Prints a new private key and its peer ID: put the key in PRIVATE_KEY (or a key file) to fix a server's identity.
import { generatePrivateKey, peerIdFromPrivateKey } from '../identity.ts'

const privateKey = await generatePrivateKey()
console.log(`PRIVATE_KEY=${privateKey}`)
console.log(`PEER_ID=${(await peerIdFromPrivateKey(privateKey)).toString()}`)
