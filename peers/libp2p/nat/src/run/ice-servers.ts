// ICE_SERVERS as WebRTC takes them; the page (web/) reads the same format from its ?ice= parameter, so this
// file runs in the browser too (no Node imports).
import type { IceServer } from '../node.ts'

/**
 * ICE servers for WebRTC: ICE_SERVERS is a comma-separated list of `stun:host:port` and
 * `turn:user:password@host:port` (the password may not contain "@"). Empty: host candidates only.
 */
export function iceServers (env: Record<string, string | undefined>): IceServer[] {
  const entries = (env.ICE_SERVERS ?? '').split(',').map(item => item.trim()).filter(item => item !== '')
  return entries.map(entry => {
    const stun = /^stuns?:(.+)$/.exec(entry)
    const turn = /^(turns?):([^:@]+):([^@]+)@(.+)$/.exec(entry)
    if (turn !== null) return { urls: `${turn[1]!}:${turn[4]!}`, username: turn[2]!, credential: turn[3]! }
    if (stun !== null) return { urls: entry }
    throw new Error(`ICE_SERVERS: "${entry}" is neither stun:<host>:<port> nor turn:<user>:<password>@<host>:<port>`)
  })
}
