/**
 * Rate limits on announcements: a token bucket per author (an author floods, not
 * the peers relaying it), and the application-specific part of gossipsub's peer
 * score, lowered for a peer that relays messages the buckets turn away.
 */

export interface AuthorRateSettings {
  /** offers one author may announce at once */
  burst: number
  /** offers per second after that */
  perSecond: number
}

/** Buckets remembered; a full bucket is forgotten first (it is the same as none) */
const MAX_BUCKETS = 10_000

export class AuthorRateLimit {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (private readonly settings: AuthorRateSettings, private readonly now: () => number = Date.now) {}

  /** Takes one announcement of `author`; false when its bucket is empty */
  take (author: string): boolean {
    const now = this.now()
    const { burst, perSecond } = this.settings
    const held = this.buckets.get(author)
    const tokens = held == null ? burst : Math.min(burst, held.tokens + (now - held.at) / 1000 * perSecond)
    if (tokens < 1) {
      if (held != null) {
        held.tokens = tokens
        held.at = now
      }
      return false
    }
    this.buckets.delete(author)
    this.buckets.set(author, { tokens: tokens - 1, at: now })
    if (this.buckets.size > MAX_BUCKETS) this.forget(now)
    return true
  }

  /** Drops buckets that refilled (the oldest touched first), then the oldest touched */
  private forget (now: number): void {
    const { burst, perSecond } = this.settings
    for (const [author, bucket] of this.buckets) {
      if (this.buckets.size <= MAX_BUCKETS * 0.9) return
      if (bucket.tokens + (now - bucket.at) / 1000 * perSecond >= burst) this.buckets.delete(author)
    }
    for (const author of this.buckets.keys()) {
      if (this.buckets.size <= MAX_BUCKETS * 0.9) return
      this.buckets.delete(author)
    }
  }
}

/** Each turned-away message costs its relayer this much score */
export const RATE_PENALTY = 1
/** Lowest app score from rate limiting: below gossipsub's publish threshold (-50), above graylist (-80) */
export const MAX_RATE_PENALTY = 60
/** Penalties halve every minute */
const HALF_LIFE = 60_000
const MAX_PEERS = 10_000

export class AppScores {
  private readonly penalties = new Map<string, { value: number, at: number }>()

  constructor (private readonly now: () => number = Date.now) {}

  /** gossipsub's appSpecificScore: 0 or negative */
  readonly score = (peer: string): number => 0 - this.current(peer)

  /** Lowers a peer's score (it relayed an author's flood) */
  penalize (peer: string, amount = RATE_PENALTY): void {
    const value = Math.min(MAX_RATE_PENALTY, this.current(peer) + amount)
    this.penalties.delete(peer)
    this.penalties.set(peer, { value, at: this.now() })
    // the oldest penalised first: they have faded most
    if (this.penalties.size > MAX_PEERS) this.penalties.delete(this.penalties.keys().next().value as string)
  }

  private current (peer: string): number {
    const held = this.penalties.get(peer)
    if (held == null) return 0
    const value = held.value * 0.5 ** ((this.now() - held.at) / HALF_LIFE)
    if (value < 0.01) this.penalties.delete(peer)
    return value < 0.01 ? 0 : value
  }
}
