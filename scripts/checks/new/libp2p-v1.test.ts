// `liftoff new libp2p/v1`, used as its user would use the standalone project (new/standalone.ts).
import { standaloneCheck } from './standalone.ts'

standaloneCheck('libp2p/v1')
