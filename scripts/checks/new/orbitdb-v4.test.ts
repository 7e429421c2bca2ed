// `liftoff new orbitdb/v4`, used as its user would use the standalone project (new/standalone.ts).
import { standaloneCheck } from './standalone.ts'

standaloneCheck('orbitdb/v4')
