// Who may ask the server for work, against a real server on loopback: strangers, caps, floods, oversized or
// tampered pushes, forged entries (the cases and what each must get: scripts/testing/orbitdb-host-policy.ts, the
// same for both OrbitDB majors).
import { hostPolicyTests } from '../../../../scripts/testing/orbitdb-host-policy.ts'
import { orbitdbExample } from './fixtures.ts'

hostPolicyTests(orbitdbExample)
