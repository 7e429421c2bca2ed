// Hostile input against the real server process on the hosting protocol: broken frames of every kind, requests
// of the wrong shape, a request trickled a byte at a time (the cases and what each must get:
// scripts/testing/orbitdb-hostile.ts, the same for both OrbitDB majors).
import { join } from 'node:path'
import { hostileHostingTests } from '../../../../scripts/testing/orbitdb-hostile.ts'
import { parseServerAddress } from '../src/dial.ts'
import { createNode } from '../src/node.ts'
import { askServer, HOST_PROTOCOL } from '../src/replication.ts'

hostileHostingTests({
  exampleDir: join(import.meta.dirname, '..'), createNode, parseServerAddress, askServer, hostProtocol: HOST_PROTOCOL
})
