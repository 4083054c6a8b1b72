/**
 * Who offers storage and how reliable this node found them (the `Membership` contract).
 * Offers are the latest signed one of each peer, by seq, remembered at most `maxOffers`
 * (past it the oldest arrival goes) and forgotten `offerTtl` after arrival, measured on
 * this node's clock. Observations are this node's own: uptime an EWMA of the peer's
 * connects (1) and disconnects (0), successRatio an EWMA of replicate outcomes; a peer's
 * claims about itself never enter them.
 */
import type { StorageOffer, Membership as MembershipContract, Observation, ReplicationSettings } from '../index.js'

/** weight of the newest sample in an EWMA */
const EWMA_WEIGHT = 0.2
/** a peer never observed */
const UNKNOWN = 0.5

export class Membership implements MembershipContract {
  private readonly table = new Map<string, StorageOffer>()
  private readonly seen = new Map<string, Observation>()

  constructor (private readonly settings: Pick<ReplicationSettings, 'maxOffers' | 'offerTtl'>, private readonly self: string, private readonly now: () => number = Date.now) {}

  /** Whether an offer with `seq` from `peer` would be news (newer than the last one kept) */
  isNewer (peer: string, seq: bigint): boolean {
    const known = this.table.get(peer)
    return known == null || this.expired(known) || seq > known.seq
  }

  /** Keeps a verified offer (the caller checked its signature and signer); a withdrawal (quota 0) forgets the peer's offer */
  keep (offer: Omit<StorageOffer, 'receivedAt'>): void {
    if (offer.peerId === this.self || !this.isNewer(offer.peerId, offer.seq)) return
    this.table.delete(offer.peerId)
    if (offer.quotaBytes === 0) return
    // Map order is arrival order: the first entry is the oldest
    while (this.table.size >= this.settings.maxOffers) this.table.delete(this.table.keys().next().value as string)
    this.table.set(offer.peerId, { ...offer, receivedAt: this.now() })
  }

  offers (): StorageOffer[] {
    for (const [peer, offer] of this.table) if (this.expired(offer)) this.table.delete(peer)
    return [...this.table.values()]
  }

  observed (peer: string): Observation {
    return { ...(this.seen.get(peer) ?? { uptime: UNKNOWN, successRatio: UNKNOWN }) }
  }

  noteOutcome (peer: string, ok: boolean): void {
    const o = this.observation(peer)
    o.successRatio = ewma(o.successRatio, ok)
  }

  /** The peer connected (true) or disconnected (false) */
  noteReachable (peer: string, up: boolean): void {
    const o = this.observation(peer)
    o.uptime = ewma(o.uptime, up)
  }

  private observation (peer: string): Observation {
    let o = this.seen.get(peer)
    if (o == null) {
      // the observed peers are bounded like the offers
      if (this.seen.size >= this.settings.maxOffers) this.seen.delete(this.seen.keys().next().value as string)
      o = { uptime: UNKNOWN, successRatio: UNKNOWN }
      this.seen.set(peer, o)
    }
    return o
  }

  private expired (offer: StorageOffer): boolean {
    return this.now() - offer.receivedAt > this.settings.offerTtl
  }
}

function ewma (value: number, sample: boolean): number {
  return value * (1 - EWMA_WEIGHT) + (sample ? EWMA_WEIGHT : 0)
}
