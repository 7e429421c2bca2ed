// Keeps every RTCPeerConnection the page makes, to read which ICE candidate pair carries each one (libp2p's
// WebRTC connections do not expose theirs). Imported before libp2p, which takes the constructor at load.
const peerConnections: RTCPeerConnection[] = []
const gathered = new Map<string, number>()
const Native = globalThis.RTCPeerConnection

globalThis.RTCPeerConnection = class extends Native {
  constructor (configuration?: RTCConfiguration) {
    super(configuration)
    peerConnections.push(this)
    this.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate?.type == null) return
      gathered.set(candidate.type, (gathered.get(candidate.type) ?? 0) + 1)
      console.log(`ICE candidate ${candidate.candidate}`)
    })
    this.addEventListener('icecandidateerror', event => {
      console.log(`ICE candidate error ${event.url}: ${event.errorCode} ${event.errorText}`)
    })
  }
}

/** The local candidates ICE gathered so far, by type, e.g. "host 2, srflx 2". */
export const gatheredCandidates = (): string =>
  [...gathered].map(([type, count]) => `${type} ${count}`).join(', ') || 'none'

/** The selected candidate pair of the newest connected peer connection, e.g. "srflx 3fff::11:4001 ⇄ srflx …". */
export async function selectedPair (): Promise<string | undefined> {
  for (const connection of peerConnections.toReversed()) {
    if (connection.connectionState !== 'connected') continue
    const stats = await connection.getStats()
    let pairId: string | undefined
    stats.forEach((report: { type: string, selectedCandidatePairId?: string }) => {
      if (report.type === 'transport' && report.selectedCandidatePairId !== undefined) {
        pairId = report.selectedCandidatePairId
      }
    })
    type Pair = { localCandidateId: string, remoteCandidateId: string } | undefined
    const pair = pairId === undefined ? undefined : stats.get(pairId) as Pair
    if (pair === undefined) continue
    const describe = (id: string): string => {
      const candidate = stats.get(id) as { candidateType: string, address: string, port: number }
      return `${candidate.candidateType} ${candidate.address}:${candidate.port}`
    }
    const local = stats.get(pair.localCandidateId) as { protocol: string }
    return `${describe(pair.localCandidateId)} ⇄ ${describe(pair.remoteCandidateId)} (${local.protocol})`
  }
  return undefined
}
