/**
 * Drops the DHT's news of a peer it was told about moments ago. kad-dht announces
 * every peer named in every answer it reads (each FIND_NODE or GET_PROVIDERS answer
 * names up to 20): each becomes a routing-table update job (a hash of the peer id, a
 * timer, a queue scan) and, through peer discovery, a peer-store merge. In a swarm
 * whose tables hold everyone, nearly all of them name peers already in the table with
 * the addresses already stored: both are no-ops, and they kept the event loops of a
 * 20-node bench swarm busy while downloads waited (issue 14). A peer is let through
 * again when its addresses differ, or REPEAT_WINDOW_MS after it last was.
 *
 * Its addresses are compared as a set: nodes' answers name a peer's one address twice or
 * once (both seen in the 20-node bench, where a fifth of the events passed as news for
 * that alone). Peers and addresses are keyed by their bytes: a peer id's own string is
 * base58, computed anew for each id an answer decodes. Before both, this filter and the
 * news it let through were a tenth of a bench worker's CPU profile during warm gets, the
 * base58 a third of that; after, under 1.5%.
 */
import type { PeerInfo } from '@libp2p/interface'
import { bytesKey } from './bytes-key.js'

/** How long news of a peer with the same addresses is dropped (doc/LIMITS.md) */
export const REPEAT_WINDOW_MS = 60_000
/** Peers remembered; the least recently let through are forgotten first */
const MAX_REMEMBERED = 4096

/** What is filtered: kad-dht's network, which dispatches a 'peer' event for each peer named in an answer */
export interface PeerNews {
  safeDispatchEvent(type: string, detail?: CustomEventInit<unknown>): boolean
}

/** Wraps `network`'s dispatch so a repeated 'peer' event goes nowhere; returns how many were dropped so far */
export function dropRepeatedPeers (network: PeerNews, now: () => number = Date.now): () => number {
  const lastSent = new Map<string, { addresses: string, at: number }>()
  let dropped = 0
  const dispatch = network.safeDispatchEvent.bind(network)
  network.safeDispatchEvent = (type, init) => {
    if (type !== 'peer' || !isPeerInfo(init?.detail)) return dispatch(type, init)
    const peer = bytesKey(init.detail.id.toMultihash().bytes)
    // JSON: any byte may be in an address, so no separator would keep two sets apart
    const addresses = JSON.stringify([...new Set(init.detail.multiaddrs.map(a => bytesKey(a.bytes)))].sort())
    const last = lastSent.get(peer)
    const at = now()
    if (last != null && last.addresses === addresses && at - last.at < REPEAT_WINDOW_MS) {
      dropped++
      return true
    }
    lastSent.delete(peer)
    lastSent.set(peer, { addresses, at })
    if (lastSent.size > MAX_REMEMBERED) lastSent.delete(lastSent.keys().next().value as string)
    return dispatch(type, init)
  }
  return () => dropped
}

function isPeerInfo (detail: unknown): detail is PeerInfo {
  const info = detail as Partial<PeerInfo> | undefined
  return info?.id != null && Array.isArray(info.multiaddrs)
}
