/**
 * Availability: how many live providers of a content id this node has seen, without
 * asking anyone at query time. It counts the distinct peers, other than this node,
 * that are either
 * - an author of a live offer of it who is connected now (an author serves what it
 *   offers), or
 * - seen providing it in the last `ttl` (1 h): a provider lookup (`providers`, `show`)
 *   found it.
 *
 * The second set is a small bounded tracker (most recently touched content ids kept,
 * a few peers each); remote search answers do not feed it, since answering a query
 * says nothing about holding the file.
 */

export interface ProviderTrackerInit {
  /** content ids remembered (least recently seen forgotten first) @default 10_000 */
  maxContent?: number
  /** peers remembered per content id (the oldest sighting forgotten first) @default 16 */
  maxPeersPerContent?: number
  /** a sighting counts this long (ms) @default 3_600_000 */
  ttl?: number
  clock?: () => number
}

export class ProviderTracker {
  private readonly seen = new Map<string, Map<string, number>>()
  private readonly maxContent: number
  private readonly maxPeers: number
  private readonly ttl: number
  private readonly clock: () => number

  constructor (init: ProviderTrackerInit = {}) {
    this.maxContent = init.maxContent ?? 10_000
    this.maxPeers = init.maxPeersPerContent ?? 16
    this.ttl = init.ttl ?? 3_600_000
    this.clock = init.clock ?? Date.now
  }

  /** `peer` was seen providing `contentId` now */
  record (contentId: string, peer: string): void {
    let peers = this.seen.get(contentId)
    if (peers == null) {
      peers = new Map()
    } else {
      // re-inserted below: Map order is the least recently touched first
      this.seen.delete(contentId)
      peers.delete(peer)
    }
    peers.set(peer, this.clock())
    while (peers.size > this.maxPeers) peers.delete(peers.keys().next().value as string)
    this.seen.set(contentId, peers)
    while (this.seen.size > this.maxContent) this.seen.delete(this.seen.keys().next().value as string)
  }

  /** Peers seen providing `contentId` within the ttl */
  recent (contentId: string): string[] {
    const peers = this.seen.get(contentId)
    if (peers == null) return []
    const since = this.clock() - this.ttl
    return [...peers].filter(([, at]) => at >= since).map(([peer]) => peer)
  }
}

/** The availability count: connected authors and recent providers, distinct, this node left out */
export function countProviders (authors: Iterable<string>, recent: string[], isConnected: (peer: string) => boolean, self: string): number {
  let count = 0
  const connectedAuthors: string[] = []
  for (const author of authors) {
    if (author !== self && isConnected(author)) {
      count++
      connectedAuthors.push(author)
    }
  }
  // usually none: a search counts this for every match, so no set unless needed
  for (const peer of recent) if (peer !== self && !connectedAuthors.includes(peer)) count++
  return count
}
