/**
 * How often each peer may ask for something (search queries, catalog pages): a token
 * bucket per peer holding `max` requests, refilled at `max` per `window`. The peers
 * remembered are bounded: past `maxPeers` the least recently seen is forgotten (it
 * starts again with a full bucket, which costs it nothing it could not get anyway).
 */
import { type Clock, systemClock } from './rate-limiter.js'

export interface PeerRateInit {
  /** requests a peer may make at once, and per window */
  max: number
  /** ms */
  window: number
  /** peers remembered. @default 4096 */
  maxPeers?: number
  clock?: Pick<Clock, 'now'>
}

export class PeerRate {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  private readonly init: Required<PeerRateInit>

  constructor (init: PeerRateInit) {
    this.init = { maxPeers: 4096, clock: systemClock, ...init }
  }

  /** Takes one request from `peer`'s bucket; false when it is empty (refuse the request) */
  allow (peer: string): boolean {
    const bucket = this.refilled(peer)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  /** Gives back a request `allow` took, when its outcome is not one to count (a Want whose file was found) */
  refund (peer: string): void {
    const bucket = this.refilled(peer)
    bucket.tokens = Math.min(this.init.max, bucket.tokens + 1)
  }

  private refilled (peer: string): { tokens: number, at: number } {
    const { max, window, clock } = this.init
    const now = clock.now()
    const bucket = this.buckets.get(peer) ?? { tokens: max, at: now }
    bucket.tokens = Math.min(max, bucket.tokens + (now - bucket.at) * max / window)
    bucket.at = now
    // re-inserted: the Map's order is the order peers were last seen in
    this.buckets.delete(peer)
    this.buckets.set(peer, bucket)
    this.forgetOldest()
    return bucket
  }

  private forgetOldest (): void {
    while (this.buckets.size > this.init.maxPeers) {
      this.buckets.delete(this.buckets.keys().next().value as string)
    }
  }
}
