// `liftoff new` of every orbitdb example, as its user would use the standalone project (new/standalone.ts).
import { standaloneChecks } from './standalone.ts'

standaloneChecks('orbitdb')
