// `liftoff new` of every libp2p example, as its user would use the standalone project (new/standalone.ts).
import { standaloneChecks } from './standalone.ts'

standaloneChecks('libp2p')
