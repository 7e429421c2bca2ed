// The routing tier's host check (scripts/testing/host.ts).
import { hostTest } from '../testing/host.ts'

hostTest('routing')
