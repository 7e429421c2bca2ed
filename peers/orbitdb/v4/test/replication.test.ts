// Replication through the server, against a real server and clients on loopback: late readers, concurrent
// writers, forged entries, restarts, outages, sync with OrbitDB's own off (the cases and what each must get:
// scripts/testing/orbitdb-replication.ts, the same for both OrbitDB majors).
import { replicationTests } from '../../../../scripts/testing/orbitdb-replication.ts'
import { orbitdbExample } from './fixtures.ts'

replicationTests(orbitdbExample)
