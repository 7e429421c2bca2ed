// A hosting server's own parts, Node.js only (files, LevelDB): what it does with the databases it keeps
// (hosting-server.ts), whom it hosts for (host-policy.ts), how it stores them (host-storage.ts), the list it
// reopens (hosted-list.ts) and its blockstore workaround (quiet-blockstore.ts).
export {
  hostingServer, type HostingLimits, type HostingMajor, type HostingOptions, type HostingServer
} from './hosting-server.ts'
export type { BlockNode, HostPolicy } from './host-policy.ts'
export type { HostStorage } from './host-storage.ts'
export { readHostedList, writeHostedList, type HostedDatabase } from './hosted-list.ts'
export { peerWants, quietBlocks, type QuietBlocks } from './quiet-blockstore.ts'
