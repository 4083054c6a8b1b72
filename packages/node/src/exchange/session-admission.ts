/**
 * Which exchange sessions the provider takes on, so that sessions that are not being
 * useful never crowd out peers that are being served: at most `maxSessionsPerPeer`
 * per peer and `maxSessions` in all; at a cap the oldest idle session (no chunk queued
 * or being sent for `idleEvictAfter` ms) of the peer holding the most sessions makes
 * room; a peer that keeps opening sessions it never uses is refused for a while, and
 * one that keeps sending invalid messages (each ends its session) for longer.
 * Policy only, no I/O; the clock is passed in.
 */

export interface AdmissionLimits {
  /** Sessions served at once, over all peers */
  maxSessions: number
  /** Sessions one peer may hold at once */
  maxSessionsPerPeer: number
  /** A session with nothing queued or being sent for this long may be evicted to make room (ms) */
  idleEvictAfter: number
  /** Abandoned sessions (given up on as silent, or evicted, without ever asking for a chunk) a peer may pile up before it is refused */
  maxAbandoned: number
  /** How long such a peer's new sessions are refused (ms) */
  abandonPenalty: number
  /** Sessions a peer may end with an invalid message (malformed, out of range, out of order) before it is refused */
  maxInvalid: number
  /** How long such a peer's new sessions are refused (ms); the server also disconnects it */
  invalidPenalty: number
}

/** Half-life of a peer's abandoned- and invalid-session counts: it forgets over minutes, not at once */
export const ABANDON_HALF_LIFE_MS = 60_000
/** Peers remembered for their abandoned sessions; beyond it the quietest is forgotten */
export const MAX_TRACKED_PEERS = 10_000

/** One admitted session, as the policy sees it; the session updates `busy` and `lastActive` */
export class SessionEntry {
  /** asked for a chunk at least once */
  useful = false
  /** has chunks queued or one being sent */
  busy = false
  lastActive: number

  constructor (readonly peer: string, readonly opened: number, readonly evict: () => void) {
    this.lastActive = opened
  }
}

export type Admission = { admitted: SessionEntry, evicted?: SessionEntry } | { refused: string }

/** How a session ended, as it counts against its peer */
export type SessionEnd = 'served' | 'abandoned' | 'invalid'

interface PeerRecord { abandoned: number, invalid: number, at: number, refusedUntil: number, why: string }

export class SessionAdmission {
  private readonly sessions = new Set<SessionEntry>()
  private readonly peers = new Map<string, PeerRecord>()

  constructor (private readonly limits: AdmissionLimits, private readonly now: () => number = Date.now) {}

  get size (): number {
    return this.sessions.size
  }

  /** Admits a session for `peer` (evicting an idle one when at a cap), or says why not */
  admit (peer: string, evict: () => void): Admission {
    const now = this.now()
    const record = this.peers.get(peer)
    if (record != null && record.refusedUntil > now) return { refused: record.why }
    let evicted: SessionEntry | undefined
    if (this.countOf(peer) >= this.limits.maxSessionsPerPeer) {
      evicted = this.oldestIdle(now, peer)
      if (evicted == null) return { refused: `Too many sessions from one peer (${this.limits.maxSessionsPerPeer})` }
    } else if (this.sessions.size >= this.limits.maxSessions) {
      evicted = this.oldestIdle(now, this.busiestPeer(now))
      if (evicted == null) return { refused: 'Too many sessions' }
    }
    if (evicted != null) this.end(evicted, 'abandoned')
    const admitted = new SessionEntry(peer, now, evict)
    this.sessions.add(admitted)
    return { admitted, evicted }
  }

  /**
   * The session ended. `abandoned`: we gave up on it, the peer silent (no Want in
   * time, idle, evicted); if it never asked for a chunk that counts against the peer.
   * A session the peer closes or resets itself frees everything at once and is not
   * counted: downloads do that to sessions they turn out not to need. `invalid`: the
   * peer sent a message no honest peershare sends (malformed, a chunk out of range or
   * not offered, a message out of order); it counts whether or not chunks were served.
   * Returns what the ending cost the peer: `abandoned` or `invalid` when it put the peer
   * over that limit (it is refused from now on, for that penalty), else undefined.
   */
  end (entry: SessionEntry, how: SessionEnd = 'served'): 'abandoned' | 'invalid' | undefined {
    if (!this.sessions.delete(entry) || how === 'served' || (how === 'abandoned' && entry.useful)) return undefined
    const now = this.now()
    const record = this.decayed(entry.peer, now)
    const refused = this.count(record, how, now)
    this.peers.delete(entry.peer)
    this.peers.set(entry.peer, record)
    this.prune(now)
    return refused ? how : undefined
  }

  /** One more session of `how` against the peer; true when that puts it over the limit (it is refused, for that penalty) */
  private count (record: PeerRecord, how: 'abandoned' | 'invalid', now: number): boolean {
    const { max, penalty, why } = how === 'invalid'
      ? { max: this.limits.maxInvalid, penalty: this.limits.invalidPenalty, why: 'Too many invalid messages, refused for a while' }
      : { max: this.limits.maxAbandoned, penalty: this.limits.abandonPenalty, why: 'Too many abandoned sessions, try later' }
    record[how] += 1
    if (record[how] <= max) return false
    this.refuse(record, now + penalty, why)
    record[how] = 0
    return true
  }

  /** A longer refusal already running is kept, with its reason */
  private refuse (record: PeerRecord, until: number, why: string): void {
    if (until <= record.refusedUntil) return
    record.refusedUntil = until
    record.why = why
  }

  /** Peers remembered for abandoned or invalid sessions (bounded; for tests and stats) */
  get trackedPeers (): number {
    return this.peers.size
  }

  private countOf (peer: string): number {
    let n = 0
    for (const s of this.sessions) if (s.peer === peer) n++
    return n
  }

  /** The peer with the most idle sessions, which gives up one at the global cap */
  private busiestPeer (now: number): string | undefined {
    const counts = new Map<string, number>()
    for (const s of this.sessions) if (this.isIdle(s, now)) counts.set(s.peer, (counts.get(s.peer) ?? 0) + 1)
    let best: string | undefined
    for (const [peer, n] of counts) if (best == null || n > (counts.get(best) ?? 0)) best = peer
    return best
  }

  private oldestIdle (now: number, peer: string | undefined): SessionEntry | undefined {
    let oldest: SessionEntry | undefined
    for (const s of this.sessions) {
      if (s.peer !== peer || !this.isIdle(s, now)) continue
      if (oldest == null || s.lastActive < oldest.lastActive) oldest = s
    }
    return oldest
  }

  private isIdle (s: SessionEntry, now: number): boolean {
    return !s.busy && now - s.lastActive >= this.limits.idleEvictAfter
  }

  private decayed (peer: string, now: number): PeerRecord {
    const record = this.peers.get(peer) ?? { abandoned: 0, invalid: 0, at: now, refusedUntil: 0, why: '' }
    const fade = 0.5 ** ((now - record.at) / ABANDON_HALF_LIFE_MS)
    record.abandoned *= fade
    record.invalid *= fade
    record.at = now
    return record
  }

  /** Forgets peers whose count has faded and who are not refused; and the oldest beyond the cap */
  private prune (now: number): void {
    for (const [peer, record] of this.peers) {
      if (this.peers.size <= MAX_TRACKED_PEERS && record.at > now - ABANDON_HALF_LIFE_MS) break
      const faded = Math.max(record.abandoned, record.invalid) * 0.5 ** ((now - record.at) / ABANDON_HALF_LIFE_MS) < 0.5
      if (this.peers.size > MAX_TRACKED_PEERS || (faded && record.refusedUntil <= now)) this.peers.delete(peer)
    }
  }
}
