// `liftoff new ipfs/routing`, used as its user would use the standalone project (new/standalone.ts).
import { standaloneCheck } from './standalone.ts'

standaloneCheck('ipfs/routing')
