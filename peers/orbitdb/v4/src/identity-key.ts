// `pnpm identity`: prints a new OrbitDB identity key for IDENTITY_KEY and the identity ID to list in the
// server's WRITERS.
import { generateIdentityKey } from './orbitdb.ts'

const { key, identityId } = await generateIdentityKey()
console.log(`IDENTITY_KEY=${key}`)
console.log(`identity ID (for WRITERS): ${identityId}`)
