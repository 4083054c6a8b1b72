/**
 * libp2p 3 merges a stream's protocol into its peer's record on every stream opened or
 * accepted (`connection.newStream`, `onIncomingStream`). The record nearly always lists
 * it already, yet each merge decodes the record and encodes it again to find nothing
 * changed: in a 100-node swarm the peer store took 13% of a worker's CPU (doc/BENCHMARKS.md, issue
 * 14). A merge of protocols the record is known to list returns the record it last
 * returned instead. "Known" holds only while nothing changed the record since (every
 * `peer:update` of the peer and a delete forget it), and for KNOWN_FOR_MS: the
 * peer store stamps a record's `updated` at each merge and forgets a peer not updated
 * for 6 hours, so the record of a peer whose connection opens streams is still merged,
 * and kept, once a minute (a connection kept alive by pings alone opens none:
 * transports/keep-alive.ts, doc/LIMITS.md).
 */
import type { Libp2pEvents, Peer, PeerId, PeerStore, TypedEventTarget } from '@libp2p/interface'

/** Peers whose last merged record is kept; past it the oldest go */
export const MAX_KNOWN_RECORDS = 4096
/** How long a merged record stands for the store's own */
export const KNOWN_FOR_MS = 60_000

export function skipKnownProtocolMerges (peerStore: PeerStore, events: TypedEventTarget<Libp2pEvents>, now: () => number = Date.now): void {
  const known = new Map<string, { peer: Peer, at: number }>()
  const forget = (peerId: PeerId): void => { known.delete(peerId.toString()) }
  const { merge, delete: remove } = peerStore
  peerStore.merge = async (peerId, data, options) => {
    const key = peerId.toString()
    const held = known.get(key)
    if (held != null && now() - held.at < KNOWN_FOR_MS && onlyProtocols(data) && data.protocols.every(p => held.peer.protocols.includes(p))) return held.peer
    const at = now()
    const peer = await merge.call(peerStore, peerId, data, options)
    known.delete(key)
    if (known.size >= MAX_KNOWN_RECORDS) known.delete(known.keys().next().value as string)
    known.set(key, { peer, at })
    return peer
  }
  // a delete is the one change the peer store does not announce as `peer:update`
  peerStore.delete = async (peerId, options) => {
    forget(peerId)
    await remove.call(peerStore, peerId, options)
  }
  events.addEventListener('peer:update', evt => { forget(evt.detail.peer.id) })
}

function onlyProtocols (data: Parameters<PeerStore['merge']>[1]): data is { protocols: string[] } {
  return Array.isArray(data.protocols) && Object.keys(data).every(k => k === 'protocols')
}
